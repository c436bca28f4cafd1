import { DeleteCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReplicaRegistry, ReplicaStatus } from '../../domain/ports';

/** The `api_replicas` table: one item per replica, renewed every heartbeat, expiring by `expires_at`. */
export class DynamoReplicaRegistry implements ReplicaRegistry {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async announce(status: ReplicaStatus): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: status }));
  }

  async withdraw(replicaId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { replica_id: replicaId } }));
  }

  async live(nowMs: number): Promise<ReplicaStatus[]> {
    const replicas: ReplicaStatus[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      // A handful of items: a consistent scan is cheap, and TTL deletes lapsed ones only eventually, hence the filter.
      const page = await this.doc.send(new ScanCommand({ TableName: this.table, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of (page.Items ?? []) as ReplicaStatus[]) if (item.expires_at * 1000 > nowMs) replicas.push(item);
      start = page.LastEvaluatedKey;
    } while (start);
    return replicas.sort((a, b) => a.replica_id.localeCompare(b.replica_id));
  }
}

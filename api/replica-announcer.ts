/**
 * A replica's entry in the replica registry: its URL and what it serves (or refused to load), renewed
 * every heartbeat and at once when that changes. The entry lapses three heartbeats after the last
 * renewal, so a replica that died drops out of "every live replica" by itself; one that stops cleanly
 * withdraws it.
 */
import type { Logger } from 'pino';
import type { ReplicaRegistry, ReplicaStatus } from '../domain/ports';
import type { ModelHolder } from './model-holder';

export class ReplicaAnnouncer {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();
  private url: string | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly registry: ReplicaRegistry,
    readonly replicaId: string,
    private readonly models: ModelHolder,
    private readonly heartbeatMs: number,
    private readonly logger: Logger,
  ) {}

  /** Announces the replica at `url` now and every heartbeat. */
  start(url: string): void {
    this.url = url;
    this.announce();
    this.timer = setInterval(() => this.announce(), this.heartbeatMs);
  }

  /** Renews the entry now (after a load or a refusal). */
  announce(): void {
    if (this.url === undefined) return;
    const status = this.status(this.url);
    this.writing = this.writing.then(() =>
      this.registry.announce(status).catch((err: unknown) => this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not renew this replica in the replica registry')),
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.url = undefined;
    await this.writing;
    await this.registry.withdraw(this.replicaId).catch(() => undefined);
  }

  private status(url: string): ReplicaStatus {
    const now = Date.now();
    const refused = this.models.lastRefusal();
    return {
      replica_id: this.replicaId,
      url,
      served_version: this.models.current()?.version ?? null,
      refused: refused ? { version: refused.version, problem: refused.problem, at: refused.at.toISOString() } : null,
      started_at: this.startedAt,
      heartbeat_at: now,
      expires_at: Math.ceil((now + 3 * this.heartbeatMs) / 1000),
    };
  }
}

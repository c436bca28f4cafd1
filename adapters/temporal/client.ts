import { Client, Connection } from '@temporalio/client';
import type { Config } from '../../config';

export async function connectTemporalClient(temporal: Config['temporal']): Promise<Client> {
  const connection = await Connection.connect({ address: temporal.address });
  return new Client({ connection, namespace: temporal.namespace });
}

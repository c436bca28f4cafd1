import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../../config';

/** The configuration tests run with: the same module and environment variables as the processes. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ ...process.env, ...overrides });
}

/** A name no other test (or earlier run) uses: task queues, topics, keys, table names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

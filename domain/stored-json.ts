import type { ObjectStore } from './ports';

const decoder = new TextDecoder();

/** A JSON object's bytes as the value the caller stored (no validation: the project wrote it). */
export function parseStoredJson<T>(bytes: Uint8Array): T {
  return JSON.parse(decoder.decode(bytes)) as T;
}

/** The JSON object under `key`, or undefined when there is none. */
export async function readStoredJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : parseStoredJson<T>(bytes);
}

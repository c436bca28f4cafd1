import type { ObjectStore, StoredObject } from '../../domain/ports';

/** An ObjectStore in memory, for unit tests of logic written against the port. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  private readonly writes = new Map<string, number>();
  private written = 0;

  put(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
    this.writes.set(key, ++this.written);
    return Promise.resolve();
  }

  head(key: string): Promise<{ etag: string; size: number } | undefined> {
    const bytes = this.objects.get(key);
    return Promise.resolve(bytes === undefined ? undefined : { etag: `"w${this.writes.get(key)}"`, size: bytes.length });
  }

  /** A copy, as a real store hands out: the caller may keep, change or transfer it. */
  get(key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.objects.get(key)?.slice());
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for (const key of [...this.objects.keys()].sort()) if (key.startsWith(prefix)) yield { key, size: this.objects.get(key)!.length };
    await Promise.resolve();
  }

  async *lines(key: string): AsyncIterable<string> {
    for (const line of new TextDecoder().decode(this.objects.get(key)).split('\n')) yield line;
    await Promise.resolve();
  }

  chunks(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const bytes = this.objects.get(key);
    return Promise.resolve(
      bytes === undefined
        ? undefined
        : (async function* () {
            yield bytes.slice();
            await Promise.resolve();
          })(),
    );
  }

  delete(key: string): Promise<void> {
    this.objects.delete(key);
    return Promise.resolve();
  }
}

import { PreconditionFailedError, type ObjectCondition, type ObjectStore, type StoredObject } from '../../domain/ports';

/** An ObjectStore in memory, for unit tests of logic written against the port. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  private readonly writes = new Map<string, number>();
  private written = 0;

  /** Conditions are checked and applied in one step, as S3 does. */
  put(key: string, body: Uint8Array | string, _contentType?: string, condition?: ObjectCondition): Promise<void> {
    if (condition && !this.holds(key, condition)) return Promise.reject(new PreconditionFailedError(key));
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
    this.writes.set(key, ++this.written);
    return Promise.resolve();
  }

  head(key: string): Promise<{ etag: string; size: number } | undefined> {
    const bytes = this.objects.get(key);
    return Promise.resolve(bytes === undefined ? undefined : { etag: this.etag(key)!, size: bytes.length });
  }

  /** A copy, as a real store hands out: the caller may keep, change or transfer it. */
  get(key: string, condition?: { ifMatch: string }): Promise<Uint8Array | undefined> {
    const bytes = this.objects.get(key);
    if (bytes !== undefined && condition && !this.holds(key, condition)) return Promise.reject(new PreconditionFailedError(key));
    return Promise.resolve(bytes?.slice());
  }

  private etag(key: string): string | undefined {
    return this.objects.has(key) ? `"w${this.writes.get(key)}"` : undefined;
  }

  private holds(key: string, condition: ObjectCondition): boolean {
    return 'ifMatch' in condition ? this.etag(key) === condition.ifMatch : !this.objects.has(key);
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

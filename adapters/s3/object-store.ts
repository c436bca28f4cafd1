import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { PreconditionFailedError, type ObjectCondition, type ObjectStore, type StoredObject } from '../../domain/ports';

/**
 * Whether a conditional request failed because the object is not the one its condition named: 412, 409
 * (AWS: a concurrent conditional write to the same key; retrying is the documented answer) or, for
 * `If-Match`, 404 (the object is gone).
 */
function conditionFailed(err: unknown, condition: ObjectCondition): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 412 || status === 409 || ('ifMatch' in condition && (err instanceof NoSuchKey || status === 404));
}

function conditionHeaders(condition: ObjectCondition | undefined): { IfMatch?: string; IfNoneMatch?: string } {
  if (condition === undefined) return {};
  return 'ifMatch' in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: condition.ifNoneMatch };
}

/**
 * An object's body read into one buffer of its announced length as it arrives: a model artifact of
 * hundreds of MB is then held once, not as chunks and again as their concatenation.
 */
async function readInto(body: Readable, length: number, key: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    if (offset + chunk.byteLength > length) throw new Error(`${key}: the body is longer than its Content-Length (${length} bytes)`);
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (offset !== length) throw new Error(`${key}: the body ended after ${offset} of its ${length} bytes`);
  return bytes;
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array | string, contentType?: string, condition?: ObjectCondition): Promise<void> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ...(contentType ? { ContentType: contentType } : {}), ...conditionHeaders(condition) }));
    } catch (err) {
      if (condition && conditionFailed(err, condition)) throw new PreconditionFailedError(key);
      throw err;
    }
  }

  async get(key: string, condition?: { ifMatch: string }): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...conditionHeaders(condition) }));
      if (!out.Body) return new Uint8Array();
      return out.ContentLength === undefined ? await out.Body.transformToByteArray() : await readInto(out.Body as Readable, out.ContentLength, key);
    } catch (err) {
      if (err instanceof NoSuchKey) return undefined;
      if (condition && conditionFailed(err, condition)) throw new PreconditionFailedError(key);
      throw err;
    }
  }

  async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { etag: out.ETag ?? '', size: out.ContentLength ?? 0 };
    } catch (err) {
      if (err instanceof NotFound || err instanceof NoSuchKey) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const item of page.Contents ?? []) {
        if (item.Key !== undefined) yield { key: item.Key, size: item.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async *lines(key: string): AsyncIterable<string> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) return;
    const reader = createInterface({ input: out.Body as Readable, crlfDelay: Infinity });
    for await (const line of reader) yield line;
  }

  async chunks(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (out.Body as Readable | undefined) ?? (async function* () {})();
    } catch (err) {
      if (err instanceof NoSuchKey) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

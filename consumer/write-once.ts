/**
 * Puts an object without ever replacing different bytes. Bronze and dead-letter keys are named by
 * topic, partition and offsets, so a redelivered batch lands on its own key again with the same bytes
 * (idempotent); but after a topic is deleted and recreated its offsets restart at 0, and the same key
 * would name other events. Each write is conditional (`If-None-Match: *`): when the key is taken, the
 * stored bytes are compared, and different ones are kept beside it under the key with the content's
 * digest (`…~<sha256 prefix>.<ext>`), so no accepted event is ever overwritten by another.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { PutObject } from './dead-letters';

/** The key that holds `body` when `key` is taken by other bytes. */
export function alternateKey(key: string, body: Buffer): string {
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const dot = key.lastIndexOf('.');
  return dot > key.lastIndexOf('/') ? `${key.slice(0, dot)}~${digest}${key.slice(dot)}` : `${key}~${digest}`;
}

const isPreconditionFailed = (err: unknown) => err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 412 || err.name === 'PreconditionFailed');

export function writeOnce(s3: S3Client, bucket: string): PutObject {
  /** True when `key` now holds `body` (written now, or before); false when it holds other bytes. */
  const putIfAbsent = async (key: string, body: Buffer, contentType: string): Promise<boolean> => {
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      if (!isPreconditionFailed(err)) throw err;
    }
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await stored.Body?.transformToByteArray();
    return bytes !== undefined && Buffer.compare(Buffer.from(bytes), body) === 0;
  };
  return async (key, body, contentType) => {
    if (await putIfAbsent(key, body, contentType)) return;
    const other = alternateKey(key, body);
    if (!(await putIfAbsent(other, body, contentType))) throw new Error(`${other} holds other bytes than the same digest names`);
  };
}

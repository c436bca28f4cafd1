import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { ensureBucket } from '../../../adapters/s3/bucket';
import { createS3Client } from '../../../adapters/s3/client';
import { S3ObjectStore } from '../../../adapters/s3/object-store';
import { testConfig, uniqueName } from '../../support/config';

describe('the S3 object store on MinIO: whole objects', function () {
  this.timeout(60_000);
  const config = testConfig({ S3_BUCKET: uniqueName('objects').toLowerCase() });
  let s3: S3Client;
  let store: S3ObjectStore;

  before(async () => {
    s3 = createS3Client(config.s3);
    await ensureBucket(s3, config.s3.bucket);
    store = new S3ObjectStore(s3, config.s3.bucket);
  });
  after(() => s3.destroy());

  it('reads an object of many network chunks back byte for byte, in a buffer of its own that a thread can take', async () => {
    const key = uniqueName('large');
    const body = randomBytes(24 * 2 ** 20 + 7);
    await store.put(key, body, 'application/octet-stream');
    const read = await store.get(key);
    assert.ok(read);
    assert.equal(read.length, body.length);
    assert.ok(Buffer.from(read.buffer, read.byteOffset, read.byteLength).equals(body), 'the same bytes');
    assert.equal(read.byteOffset, 0);
    assert.equal(read.buffer.byteLength, body.length, 'the buffer holds this object only');
    await store.delete(key);
  });

  it('reads an empty object as no bytes, and a missing one as undefined', async () => {
    const key = uniqueName('empty');
    await store.put(key, new Uint8Array(), 'application/octet-stream');
    assert.deepEqual(await store.get(key), new Uint8Array());
    await store.delete(key);
    assert.equal(await store.get(key), undefined);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { uniqueName } from '../../support/config';
import { useTestBucket } from '../../support/test-bucket';

describe('the S3 object store on MinIO: whole objects', function () {
  this.timeout(60_000);
  const bucket = useTestBucket('objects');

  it('reads an object of many network chunks back byte for byte, in a buffer of its own that a thread can take', async () => {
    const { store } = bucket;
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
    const { store } = bucket;
    const key = uniqueName('empty');
    await store.put(key, new Uint8Array(), 'application/octet-stream');
    assert.deepEqual(await store.get(key), new Uint8Array());
    await store.delete(key);
    assert.equal(await store.get(key), undefined);
  });
});

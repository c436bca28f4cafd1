import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../adapters/s3/client';
import { bronzeObjectKey, extendWatermark, parseBronzeObjectKey, type BronzeWatermark } from '../../../domain/bronze';
import { alternateKey, writeOnce } from '../../../consumer/write-once';
import { testConfig, uniqueName } from '../../support/config';

const config = testConfig();

/** Bronze keys after a topic is recreated: the same key would name other events (real MinIO). */
describe('consumer: objects are written once, never replaced by other bytes (real MinIO)', function () {
  this.timeout(30_000);
  const s3 = createS3Client(config.s3);
  const put = writeOnce(s3, config.s3.bucket);
  const read = async (key: string) => Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: key }))).Body!.transformToByteArray()));
  after(() => s3.destroy());

  it('rewrites identical bytes in place, and keeps other bytes under the same key beside them', async () => {
    const prefix = `tests/${uniqueName('write-once')}`;
    const key = bronzeObjectKey({ prefix, topic: 'user-events', partition: 0, firstOffset: '0', lastOffset: '1', ingestedAt: new Date('2024-05-01T00:00:00Z') });
    const before = Buffer.from('{"event_id":"a"}\n{"event_id":"b"}\n');
    const afterReset = Buffer.from('{"event_id":"c"}\n{"event_id":"d"}\n');

    await put(key, before, 'application/x-ndjson');
    await put(key, before, 'application/x-ndjson');
    await put(key, afterReset, 'application/x-ndjson');
    await put(key, afterReset, 'application/x-ndjson');

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: `${prefix}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    assert.deepEqual(keys, [key, alternateKey(key, afterReset)].sort(), 'a redelivery adds nothing; other events get a key of their own');
    assert.deepEqual(await read(key), before, 'the accepted events are not overwritten');
    assert.deepEqual(await read(alternateKey(key, afterReset)), afterReset);

    // The batch reads both as objects of the same topic partition and range.
    assert.deepEqual(parseBronzeObjectKey(alternateKey(key, afterReset)), parseBronzeObjectKey(key));
    const watermark: BronzeWatermark = {};
    for (const k of keys) extendWatermark(watermark, k);
    assert.deepEqual(watermark, { 'user-events': { '0': 1 } });
  });
});

import assert from 'node:assert/strict';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../../adapters/s3/client';
import { S3ObjectStore } from '../../../adapters/s3/object-store';
import { promote, PromotionRefusedError, readCurrentPointer, writeManifest, type CurrentPointer } from '../../../domain/model-registry';
import { PreconditionFailedError } from '../../../domain/ports';
import { uniqueName } from '../../support/config';
import { registryManifest } from '../../support/manifests';
import { useTestBucket } from '../../support/test-bucket';

async function statusOf(request: Promise<unknown>): Promise<number | undefined> {
  try {
    await request;
    return 200;
  } catch (err) {
    return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  }
}

describe('the deploy pointer on MinIO: conditional writes and racing promotes', function () {
  this.timeout(60_000);
  const bucket = useTestBucket('pointer');

  it('the pinned MinIO honours If-Match and If-None-Match: a stale ETag gives 412', async () => {
    const { config, s3, store } = bucket;
    const Bucket = config.s3.bucket;
    const Key = uniqueName('conditional');
    assert.equal(await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'one', IfNoneMatch: '*' }))), 200, 'creates when absent');
    assert.equal(await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'two', IfNoneMatch: '*' }))), 412, 'If-None-Match: * on an existing object');
    const stale = (await store.head(Key))!.etag;
    assert.equal(await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'two', IfMatch: stale }))), 200, 'If-Match on the current ETag');
    assert.equal(await statusOf(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'three', IfMatch: stale }))), 412, 'If-Match on a stale ETag');
    assert.equal(await statusOf(s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: stale }))), 412, 'a GET conditional on a stale ETag');
    assert.equal(new TextDecoder().decode(await store.get(Key)), 'two', 'the refused writes changed nothing');

    // The adapter turns those answers into PreconditionFailedError.
    await assert.rejects(store.put(Key, 'three', 'text/plain', { ifMatch: stale }), PreconditionFailedError);
    await assert.rejects(store.put(Key, 'three', 'text/plain', { ifNoneMatch: '*' }), PreconditionFailedError);
    await assert.rejects(store.get(Key, { ifMatch: stale }), PreconditionFailedError);
    const current = (await store.head(Key))!.etag;
    await store.put(Key, 'three', 'text/plain', { ifMatch: current });
    assert.equal(new TextDecoder().decode(await store.get(Key, { ifMatch: (await store.head(Key))!.etag })), 'three');
  });

  it('promotes racing from several writers: each replaces the one before it, so no rollback target is lost', async () => {
    const { config, store } = bucket;
    const versions = ['race-a', 'race-b', 'race-c', 'race-d'];
    for (const version of ['race-x', ...versions]) await writeManifest(store, registryManifest(version, '2026-04-01'));
    await promote(store, 'race-x', new Date());
    // One client per writer, as the batch, the CLI and a backfill would each have.
    const clients = versions.map(() => createS3Client(config.s3));
    let results: CurrentPointer[];
    try {
      results = await Promise.all(versions.map((version, i) => promote(new S3ObjectStore(clients[i]!, config.s3.bucket), version, new Date())));
    } finally {
      for (const client of clients) client.destroy();
    }
    // Every promotion replaced a different pointer: together they form one chain from race-x.
    const replaced = results.map((p) => p.previous);
    assert.equal(new Set(replaced).size, versions.length, `two promotions replaced the same pointer: ${JSON.stringify(results.map((p) => `${p.previous} → ${p.version}`))}`);
    const final = (await readCurrentPointer(store))!;
    assert.deepEqual(new Set([...replaced, final.version]), new Set(['race-x', ...versions]));
    let cursor: string | undefined = 'race-x';
    for (let step = 0; step < versions.length; step++) cursor = results.find((p) => p.previous === cursor)?.version;
    assert.equal(cursor, final.version, 'the chain from race-x ends at the current version');
  });

  it('an older run date racing a newer one on S3 never ends up current', async () => {
    const { store } = bucket;
    await writeManifest(store, registryManifest('dated-new', '2026-05-02'));
    await writeManifest(store, registryManifest('dated-old', '2026-05-01'));
    const outcomes = await Promise.allSettled([promote(store, 'dated-old', new Date()), promote(store, 'dated-new', new Date())]);
    assert.equal((await readCurrentPointer(store))?.version, 'dated-new');
    assert.equal(outcomes[1].status, 'fulfilled');
    if (outcomes[0].status === 'rejected') assert.ok(outcomes[0].reason instanceof PromotionRefusedError);
    await assert.rejects(promote(store, 'dated-old', new Date()), PromotionRefusedError);
  });
});

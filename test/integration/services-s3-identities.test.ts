import assert from 'node:assert/strict';
import { GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { ensureBucket } from '../../adapters/s3/bucket';
import { createS3Client } from '../../adapters/s3/client';
import { servicesLayout } from '../../scripts/services/layout';
import { ensureLocalS3Identities, localS3Identity, removeLocalS3Identities, type S3Role } from '../../scripts/services/s3-identities';
import { testConfig, uniqueName } from '../support/config';

/** Least privilege on the local MinIO: what the API's and the consumer's own users may do (real MinIO). */
describe('local service stack: the API and the consumer have S3 users of their own (real MinIO)', function () {
  this.timeout(60_000);
  const config = testConfig({ S3_BUCKET: uniqueName('identities').toLowerCase() });
  const mcBin = servicesLayout(config).mcBin;
  const root = createS3Client(config.s3);
  const as = (role: S3Role) => createS3Client({ ...config.s3, ...localS3Identity(config, role) });
  const clients: S3Client[] = [root];

  before(async () => {
    await ensureBucket(root, config.s3.bucket);
    await ensureLocalS3Identities(config, mcBin);
    await ensureLocalS3Identities(config, mcBin);
    await root.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: 'models/current.json', Body: '{}' }));
    await root.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: 'silver/ratings/x.parquet', Body: 'x' }));
    await root.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: 'reports/v1/evaluation.html', Body: '<p>x</p>' }));
  });
  after(async () => {
    await removeLocalS3Identities(config, mcBin);
    for (const client of clients) client.destroy();
  });

  /** Whether the role's user may do it: true, or false on AccessDenied (anything else fails the test). */
  async function allowed(role: S3Role, request: (client: S3Client) => Promise<unknown>): Promise<boolean> {
    const client = as(role);
    clients.push(client);
    try {
      await request(client);
      return true;
    } catch (err) {
      if (err instanceof S3ServiceException && err.name === 'AccessDenied') return false;
      throw err;
    }
  }
  const get = (key: string) => async (client: S3Client) => (await client.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: key }))).Body?.transformToByteArray();
  const put = (key: string) => (client: S3Client) => client.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key: key, Body: 'x' }));

  it('lets the API read the registry and nothing else', async () => {
    assert.equal(await allowed('api', get('models/current.json')), true);
    assert.equal(await allowed('api', put('models/current.json')), false, 'no deploying');
    assert.equal(await allowed('api', put(`${config.s3.bronzePrefix}/dt=2024-01-01/x.jsonl`)), false, 'no writing bronze');
    assert.equal(await allowed('api', get('silver/ratings/x.parquet')), false, 'no reading the ratings');
  });

  it('lets the console read the registry and the reports, and write the deploy pointer and nothing else', async () => {
    assert.equal(await allowed('console', get('models/current.json')), true);
    assert.equal(await allowed('console', get('reports/v1/evaluation.html')), true);
    assert.equal(await allowed('console', put('models/current.json')), true, 'a rollback');
    assert.equal(await allowed('console', put('models/v1/model.bin')), false, 'no replacing an artifact');
    assert.equal(await allowed('console', put('reports/v1/evaluation.html')), false, 'no rewriting a report');
    assert.equal(await allowed('console', put(`${config.s3.bronzePrefix}/dt=2024-01-01/x.jsonl`)), false, 'no writing bronze');
    assert.equal(await allowed('console', get('silver/ratings/x.parquet')), false, 'no reading the ratings');
  });

  it('lets the consumer write and read bronze and dead letters, and read the registry, nothing else', async () => {
    assert.equal(await allowed('consumer', put(`${config.s3.bronzePrefix}/dt=2024-01-01/x.jsonl`)), true);
    assert.equal(await allowed('consumer', get(`${config.s3.bronzePrefix}/dt=2024-01-01/x.jsonl`)), true);
    assert.equal(await allowed('consumer', put(`${config.s3.deadLetterPrefix}/x.json`)), true);
    assert.equal(await allowed('consumer', get('models/current.json')), true);
    assert.equal(await allowed('consumer', put('models/current.json')), false, 'no deploying');
    assert.equal(await allowed('consumer', get('silver/ratings/x.parquet')), false);
  });

  it('answers 404, not 403, for a registry key that does not exist', async () => {
    const client = as('api');
    clients.push(client);
    await assert.rejects(get('models/none/manifest.json')(client), (err: unknown) => err instanceof S3ServiceException && err.name === 'NoSuchKey');
  });
});

import type { S3Client } from '@aws-sdk/client-s3';
import { ensureBucket } from '../../adapters/s3/bucket';
import { createS3Client } from '../../adapters/s3/client';
import { S3ObjectStore } from '../../adapters/s3/object-store';
import { testConfig, uniqueName } from './config';

export interface TestBucket {
  config: ReturnType<typeof testConfig>;
  s3: S3Client;
  store: S3ObjectStore;
}

/**
 * For one `describe` block: a bucket of its own on the local MinIO, named from `name`, and an object
 * store on it, made before its tests (so `s3` and `store` are set inside them); the client is closed
 * after them.
 */
export function useTestBucket(name: string): TestBucket {
  const config = testConfig({ S3_BUCKET: uniqueName(name).toLowerCase() });
  const bucket = { config } as TestBucket;
  before(async () => {
    bucket.s3 = createS3Client(config.s3);
    await ensureBucket(bucket.s3, config.s3.bucket);
    bucket.store = new S3ObjectStore(bucket.s3, config.s3.bucket);
  });
  after(() => bucket.s3.destroy());
  return bucket;
}

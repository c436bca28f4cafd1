import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../config';

export function createS3Client(s3: Config['s3']): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // S3-compatible stores differ in which flexible checksums they accept; send them only where the API requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Without timeouts a request to a stalled store waits forever, and so would the consumer's batch and its
    // commit behind it. The request timeout runs until the response starts (uploads of model artifacts
    // included); a body then streams for as long as bytes keep arriving within the socket timeout.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 120_000, socketTimeout: 30_000, throwOnRequestTimeout: true },
  });
}

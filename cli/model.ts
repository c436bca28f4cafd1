/**
 * `npm run model -- current`: which model is deployed, and the one before it.
 * `npm run model -- rollback [--no-reload]`: makes the previous model current again and tells the API
 * to load it (`POST /reload`), unless --no-reload.
 */
import { parseArgs } from 'node:util';
import { HttpModelServer } from '../adapters/http/model-server';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { loadConfigOrExit } from '../config';
import { readCurrentPointer, rollback } from '../domain/model-registry';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'no-reload': { type: 'boolean', default: false } } });
  const config = loadConfigOrExit();
  const s3 = createS3Client(config.s3);
  const store = new S3ObjectStore(s3, config.s3.bucket);
  try {
    switch (positionals[0]) {
      case 'current': {
        const pointer = await readCurrentPointer(store);
        console.log(pointer ? JSON.stringify(pointer, null, 2) : 'no model is deployed');
        return 0;
      }
      case 'rollback': {
        const pointer = await rollback(store, new Date());
        console.log(`models/current.json now points at ${pointer.version} (rolled back from ${pointer.previous})`);
        if (!values['no-reload']) {
          await new HttpModelServer(config.api.url, config.api.reloadToken).reload(pointer.version);
          console.log(`the API at ${config.api.url} loaded ${pointer.version}`);
        }
        return 0;
      }
      default:
        console.error('usage: npm run model -- <current | rollback [--no-reload]>');
        return 2;
    }
  } finally {
    s3.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

/**
 * `npm run model -- current`: which model is deployed, and the one before it.
 * `npm run model -- deploy <version> [--force] [--no-reload]`: deploys a version already in the
 * registry (trained and evaluated by a batch run) behind the same gate as the batch; `--force` deploys
 * it although the gate, or the registry's rules (an older run date than the deployed model's, the
 * version an operator rolled back from), refuse it. This is how an operator deploys a model whose run
 * completed without deploying it.
 * `npm run model -- rollback [--no-reload]`: makes the previous model current again.
 * Both then tell the API at API_URL to load the registry's current version (`POST /reload`), unless
 * --no-reload; other replicas follow the registry by themselves.
 */
import { parseArgs } from 'node:util';
import { deployVersion, readEvaluation } from '../activities/deploy-model';
import { HttpModelServer } from '../adapters/http/model-server';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { loadConfigOrExit, type Config } from '../config';
import { readCurrentPointer, rollback } from '../domain/model-registry';
import type { ObjectStore } from '../domain/ports';

const USAGE = 'usage: npm run model -- <current | deploy <version> [--force] [--no-reload] | rollback [--no-reload]>';

async function deploy(store: ObjectStore, config: Config, version: string, force: boolean): Promise<boolean> {
  const evaluation = await readEvaluation(store, version);
  const outcome = await deployVersion(store, config.batch.gate, { model_version: version, ...evaluation, force }, new Date());
  for (const check of outcome.gate.checks) console.log(`  ${check.passed ? '✔' : '✘'} ${check.name}: ${check.detail}`);
  if (!outcome.deployed) {
    console.error(`${version} was not deployed: ${outcome.gate.reasons.join('; ')}\nDeploy it anyway with --force.`);
    return false;
  }
  console.log(`models/current.json now points at ${version}${outcome.previous_version ? ` (previous: ${outcome.previous_version})` : ''}${force ? ', forced' : ''}`);
  return true;
}

/** Loads what is current now, not a version named here: a deploy that won meanwhile is not undone. */
async function reloadApi(config: Config): Promise<void> {
  await new HttpModelServer(config.api.url, config.api.reloadToken).reload();
  console.log(`the API at ${config.api.url} loaded the registry's current version`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'no-reload': { type: 'boolean', default: false }, force: { type: 'boolean', default: false } },
  });
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
      case 'deploy': {
        const version = positionals[1];
        if (version === undefined || positionals.length > 2) break;
        if (!(await deploy(store, config, version, values.force))) return 1;
        if (!values['no-reload']) await reloadApi(config);
        return 0;
      }
      case 'rollback': {
        if (positionals.length > 1) break;
        const pointer = await rollback(store, new Date());
        console.log(`models/current.json now points at ${pointer.version} (rolled back from ${pointer.previous})`);
        if (!values['no-reload']) await reloadApi(config);
        return 0;
      }
    }
    console.error(USAGE);
    return 2;
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

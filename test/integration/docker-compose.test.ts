import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../config';
import { composeConfig, ensureDockerCompose } from '../../scripts/docker-compose';
import { testConfig, uniqueName } from '../support/config';

/**
 * CI has no Docker engine; `docker-compose config` needs none to parse the compose file, check it
 * against Compose's schema and resolve its anchors, merges and variables.
 */
describe('docker-compose.yml is a valid compose file', function () {
  // A first run installs Debian's docker-compose.
  this.timeout(300_000);
  const composeFile = path.join(projectRoot, 'docker-compose.yml');
  const scratch = path.join(testConfig().localDir, uniqueName('compose'));
  let executable: string;

  before(async () => {
    executable = await ensureDockerCompose();
    mkdirSync(scratch, { recursive: true });
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes `docker-compose config` with every variable defaulted, and defines the stack and the processes', async () => {
    const result = await composeConfig(executable, composeFile);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trim(), '', 'docker-compose config warned');
    for (const service of ['temporal', 'kafka', 'minio', 'dynamodb', 'provision', 'api', 'consumer', 'worker', 'console']) {
      assert.match(result.stdout, new RegExp(`^  ${service}:$`, 'm'), `no service ${service}`);
    }
  });

  it('fails on a file Compose refuses, so the check above means something', async () => {
    const broken = path.join(scratch, 'docker-compose.yml');
    const original = readFileSync(composeFile, 'utf8');
    writeFileSync(broken, original.replace('    restart: unless-stopped\n    command: ["node", "dist/api/main.js"]', '    restarts: unless-stopped\n    command: ["node", "dist/api/main.js"]'));
    assert.notEqual(readFileSync(broken, 'utf8'), original);
    const result = await composeConfig(executable, broken);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /restarts/);
  });
});

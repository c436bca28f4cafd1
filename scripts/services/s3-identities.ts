/**
 * Least privilege on the local stack: the API, the consumer and the console get MinIO users of their
 * own, each with a policy that allows what the process does and nothing else — the API reads the model
 * registry (`models/`), the consumer writes and reads back bronze and dead-letter objects and reads the
 * registry (which model is deployed), the console reads the registry and the reports and writes only
 * the deploy pointer (a rollback). The batch worker, the CLIs and the tests keep the root user.
 * The users' keys are derived from the root secret (HMAC), so nothing new needs configuring and they
 * exist only in this local MinIO; a deployment gives each process its own credentials with the same
 * policies (`s3RolePolicy`).
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { CURRENT_POINTER_KEY } from '../../domain/model-registry';

export type S3Role = 'api' | 'consumer' | 'console';
export const S3_ROLES: readonly S3Role[] = ['api', 'consumer', 'console'];

/** An IAM-style policy document for the role, on the configured bucket and prefixes. */
export function s3RolePolicy(s3: Config['s3'], role: S3Role): object {
  const objects = (prefix: string) => `arn:aws:s3:::${s3.bucket}/${prefix}/*`;
  // Listing lets a read of a missing key answer 404 (nothing deployed yet) rather than 403.
  const list = { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${s3.bucket}`] };
  const statements: Record<S3Role, object[]> = {
    api: [list, { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [objects('models')] }],
    consumer: [
      list,
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: [objects(s3.bronzePrefix), objects(s3.deadLetterPrefix)] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [objects('models')] },
    ],
    console: [
      list,
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [objects('models'), objects('reports')] },
      { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${s3.bucket}/${CURRENT_POINTER_KEY}`] },
    ],
  };
  return { Version: '2012-10-17', Statement: statements[role] };
}

/** The role's MinIO user for this bucket (MinIO access keys are 3–20 characters). */
export function localS3Identity(config: Config, role: S3Role): { accessKeyId: string; secretAccessKey: string } {
  const bucket = createHash('sha256').update(config.s3.bucket).digest('hex').slice(0, 8);
  const accessKeyId = `mr-${bucket}-${role}`;
  return { accessKeyId, secretAccessKey: createHmac('sha256', config.s3.secretAccessKey).update(accessKeyId).digest('hex') };
}

/** The environment that makes a process use the role's user. */
export function localS3Env(config: Config, role: S3Role): NodeJS.ProcessEnv {
  const identity = localS3Identity(config, role);
  return { S3_ACCESS_KEY_ID: identity.accessKeyId, S3_SECRET_ACCESS_KEY: identity.secretAccessKey };
}

function runMc(config: Config, mcBin: string, args: string[]): Promise<void> {
  // The alias comes from the environment, and mc's own configuration stays in the project's local folder.
  const endpoint = new URL(config.s3.endpoint);
  const env = {
    ...process.env,
    MC_CONFIG_DIR: path.join(config.localDir, 'conf', 'mc'),
    MC_HOST_local: `${endpoint.protocol}//${encodeURIComponent(config.s3.accessKeyId)}:${encodeURIComponent(config.s3.secretAccessKey)}@${endpoint.host}`,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(mcBin, ['--no-color', '--quiet', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => reject(new Error(`mc: ${err.message}`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mc ${args.slice(0, 3).join(' ')} failed: ${stderr.trim()}`))));
  });
}

const policyName = (config: Config, role: S3Role) => `${localS3Identity(config, role).accessKeyId}-policy`;

/** Creates (or updates) each role's policy and user and attaches them; running it again changes nothing. */
export async function ensureLocalS3Identities(config: Config, mcBin: string): Promise<void> {
  const dir = path.join(config.localDir, 'conf', 'mc');
  mkdirSync(dir, { recursive: true });
  for (const role of S3_ROLES) {
    const identity = localS3Identity(config, role);
    const file = path.join(dir, `${policyName(config, role)}.json`);
    writeFileSync(file, JSON.stringify(s3RolePolicy(config.s3, role)));
    await runMc(config, mcBin, ['admin', 'policy', 'create', 'local', policyName(config, role), file]);
    await runMc(config, mcBin, ['admin', 'user', 'add', 'local', identity.accessKeyId, identity.secretAccessKey]);
    await runMc(config, mcBin, ['admin', 'policy', 'attach', 'local', policyName(config, role), '--user', identity.accessKeyId]);
    rmSync(file, { force: true });
  }
}

/** Removes the roles' users and policies (for tests that made them for a bucket of their own). */
export async function removeLocalS3Identities(config: Config, mcBin: string): Promise<void> {
  for (const role of S3_ROLES) {
    await runMc(config, mcBin, ['admin', 'user', 'remove', 'local', localS3Identity(config, role).accessKeyId]);
    await runMc(config, mcBin, ['admin', 'policy', 'remove', 'local', policyName(config, role)]);
  }
}

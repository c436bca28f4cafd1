import type { Config } from '../config';
import type { BatchSettings } from './deps';

export function batchSettings(config: Config): BatchSettings {
  return {
    bronzePrefix: config.s3.bronzePrefix,
    validation: config.batch.validation,
    gate: config.batch.gate,
    evaluation: config.batch.evaluation,
    tuning: config.batch.tuning,
    itemCf: config.batch.itemCf,
    reloadReplicasTimeoutMs: config.batch.reloadReplicasTimeoutMs,
    shards: config.batch.shards,
    fullRefreshDays: config.batch.fullRefreshDays,
  };
}

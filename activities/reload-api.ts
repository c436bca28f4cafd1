import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { ReloadRejectedError } from '../adapters/http/model-server';
import { CURRENT_POINTER_KEY, readCurrentPointer } from '../domain/model-registry';
import type { ReplicaStatus } from '../domain/ports';
import type { ActivityDeps } from './deps';
import type { ReloadSummary } from './types';

const ROUND_MS = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Makes every live API replica serve what is deployed, and succeeds only once they all do. Replicas
 * follow the registry by themselves; this stage also tells each one that is behind to reload (POST
 * /reload without a version: the replica loads the registry's current one), so none waits for its next
 * check. The target is what `models/current.json` names at each round, never the version this run
 * deployed: an operator's rollback while the stage runs, or between its retries (which go on for up to
 * 15 minutes), is what the replicas end up serving, and the summary says the run's model was superseded.
 * It fails non-retryably naming the replica when one refuses the version, or when some are still behind
 * after the timeout; with no replica live it fails retryably (the API may be starting), and Temporal retries.
 */
export function createReloadApi(deps: ActivityDeps) {
  const now = deps.now ?? (() => new Date());
  return async function reloadApi(input: { model_version: string }): Promise<ReloadSummary> {
    const deadline = now().getTime() + deps.settings.reloadReplicasTimeoutMs;
    const told = new Set<string>();
    for (;;) {
      const target = (await readCurrentPointer(deps.store))?.version;
      if (target === undefined) throw ApplicationFailure.nonRetryable(`${CURRENT_POINTER_KEY} is gone: no model is deployed to reload`, 'NothingDeployed');
      const live = await deps.replicas.live(now().getTime());
      if (live.length === 0) throw new Error('no API replica is live in the replica registry');
      const refusing = live.filter((r) => r.refused?.version === target);
      if (refusing.length > 0) throw ApplicationFailure.nonRetryable(describe(refusing, (r) => `refused ${target}: ${r.refused?.problem}`), 'ReloadRefused');
      const behind = live.filter((r) => r.served_version !== target);
      heartbeat({ target, live: live.length, behind: behind.map((r) => r.replica_id) });
      if (behind.length === 0) {
        return { served_version: target, replicas: live.map((r) => r.replica_id), ...(target !== input.model_version ? { superseded_version: input.model_version } : {}) };
      }
      if (now().getTime() > deadline) {
        throw ApplicationFailure.nonRetryable(describe(behind, (r) => `serves ${r.served_version ?? 'no model'}`) + `, not ${target}, after ${deps.settings.reloadReplicasTimeoutMs / 1000} s`, 'ReloadTimedOut');
      }
      await Promise.all(behind.filter((r) => !told.has(r.replica_id)).map((r) => tell(r, told)));
      await sleep(ROUND_MS);
    }
  };

  async function tell(replica: ReplicaStatus, told: Set<string>): Promise<void> {
    try {
      await deps.modelServerAt(replica.url).reload();
      told.add(replica.replica_id);
    } catch (err) {
      // A refusal shows in the replica's own entry (and fails the stage there); anything else is retried next round.
      if (err instanceof ReloadRejectedError) told.add(replica.replica_id);
    }
  }
}

function describe(replicas: ReplicaStatus[], what: (r: ReplicaStatus) => string): string {
  return replicas.map((r) => `replica ${r.replica_id} (${r.url}) ${what(r)}`).join('; ');
}

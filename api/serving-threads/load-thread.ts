/**
 * A worker thread that turns a model version's bytes (downloaded into shared memory) into servable
 * state, so that none of it runs on the API's event loop: the sha256 against the manifest, decoding
 * (the sections are views into the downloaded bytes), the state serving derives (moved into shared
 * memory), and the smoke test. Posting the answer to the API's thread and to the recommender threads
 * copies no array.
 */
import { createHash } from 'node:crypto';
import { deserializeCore } from '../../recommender/artifact';
import { ArtifactError } from '../../recommender/errors';
import { HybridRecommender } from '../../recommender/hybrid';
import { deriveState, type ModelState } from '../../recommender/model-state';
import { shareState } from '../../recommender/shared-state';
import { smokeTestProblem } from './smoke-test';

export interface LoadTask {
  version: string;
  bytes: Uint8Array;
  sha256: string;
}

export type LoadOutcome = { ok: true; state: ModelState } | { ok: false; problem: string };

export default function loadModel(task: LoadTask): LoadOutcome {
  const digest = createHash('sha256').update(task.bytes).digest('hex');
  if (digest !== task.sha256) return { ok: false, problem: `the artifact of ${task.version} has sha256 ${digest}, its manifest says ${task.sha256}` };
  let state: ModelState;
  try {
    // The bytes are shared memory: the sections become views into them, so the artifact is the model.
    const { core, candidates } = deserializeCore(task.bytes, { views: true });
    state = shareState(deriveState(core, candidates));
  } catch (err) {
    if (err instanceof ArtifactError) return { ok: false, problem: err.message };
    return { ok: false, problem: `the artifact of ${task.version} cannot be decoded: ${err instanceof Error ? err.message : String(err)}` };
  }
  try {
    const problem = smokeTestProblem(new HybridRecommender(state));
    if (problem !== undefined) return { ok: false, problem };
  } catch (err) {
    return { ok: false, problem: `smoke test failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { ok: true, state };
}

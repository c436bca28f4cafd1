/**
 * A recommender thread: answers for users with fresh ratings, which need the recalls computed (a user
 * without them is a lookup the API's own thread does). Models reach the thread over a broadcast channel
 * as shared memory (no copy): the API announces each model it starts serving, and a thread that has
 * not seen the version a task names asks for it. Each thread builds its own recommender, with its own
 * scratch space, per version, and keeps the two most recent (a task of the previous model may still
 * arrive just after a swap).
 */
import { BroadcastChannel, workerData } from 'node:worker_threads';
import { HybridRecommender, type FreshRatingInput, type Recommendations, type RecommendOptions } from '../../recommender/hybrid';
import type { ModelState } from '../../recommender/model-state';
import { reviveState } from '../../recommender/shared-state';

export interface RecommendTask {
  version: string;
  userId: number;
  options: RecommendOptions;
  fresh: FreshRatingInput[];
}

/** What travels on the channel: a model being served, or a thread asking for one. */
export type ModelMessage = { type: 'model'; version: string; state: ModelState } | { type: 'want'; version: string };

const KEPT_VERSIONS = 2;
const channel = new BroadcastChannel((workerData as { channel: string }).channel);
const models = new Map<string, HybridRecommender>();
const waiting = new Map<string, ((model: HybridRecommender) => void)[]>();

channel.onmessage = (event) => {
  const message = (event as { data: ModelMessage }).data;
  if (message.type !== 'model' || models.has(message.version)) return;
  const model = new HybridRecommender(reviveState(message.state));
  models.set(message.version, model);
  for (const version of [...models.keys()].slice(0, -KEPT_VERSIONS)) models.delete(version);
  for (const resolve of waiting.get(message.version) ?? []) resolve(model);
  waiting.delete(message.version);
};

function modelOf(version: string): HybridRecommender | Promise<HybridRecommender> {
  const model = models.get(version);
  if (model) return model;
  return new Promise((resolve) => {
    const queue = waiting.get(version) ?? [];
    queue.push(resolve);
    waiting.set(version, queue);
    if (queue.length === 1) channel.postMessage({ type: 'want', version } satisfies ModelMessage);
  });
}

export default async function recommend(task: RecommendTask): Promise<Recommendations> {
  const model = await modelOf(task.version);
  return model.recommend(task.userId, task.options, task.fresh);
}

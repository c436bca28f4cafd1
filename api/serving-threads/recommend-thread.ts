/**
 * A recommender thread: answers for users with fresh ratings, which need the recalls computed (a user
 * without them is a lookup the API's own thread does). Each thread builds its own recommender, with its
 * own scratch space, over the model state its pool was created with (shared memory, not a copy). A pool
 * serves one model: its threads end when the model is no longer served, which is also what lets the
 * process free the model's shared memory (an isolate that received a SharedArrayBuffer keeps its backing
 * store until the isolate is disposed).
 */
import { workerData } from 'node:worker_threads';
import { HybridRecommender, type FreshRatingInput, type Recommendations, type RecommendOptions } from '../../recommender/hybrid';
import type { ModelState } from '../../recommender/model-state';
import { reviveState } from '../../recommender/shared-state';

export interface RecommendTask {
  userId: number;
  options: RecommendOptions;
  fresh: FreshRatingInput[];
}

const recommender = new HybridRecommender(reviveState((workerData as { state: ModelState }).state));

export default function recommend(task: RecommendTask): Recommendations {
  return recommender.recommend(task.userId, task.options, task.fresh);
}

import pLimit from 'p-limit';
import type { RatingColumns } from '../../recommender/types';

/**
 * Sends ratings through `POST /events/batch` as a client app would, a few requests in flight at a time.
 * Event ids are derived from `idPrefix` and the row, so replaying the same data again is deduplicated
 * downstream. A 503 (broker not ready or slow) is retried after its Retry-After.
 */
export async function replayRatings(
  apiUrl: string,
  ratings: RatingColumns,
  options: { idPrefix: string; batchSize?: number; concurrency?: number; onProgress?: (sent: number, total: number) => void },
): Promise<number> {
  const total = ratings.userIds.length;
  const batchSize = options.batchSize ?? 1000;
  const batches = Math.ceil(total / batchSize);
  let sent = 0;
  const post = async (batch: number) => {
    const start = batch * batchSize;
    const end = Math.min(total, start + batchSize);
    const body: unknown[] = [];
    for (let k = start; k < end; k++) {
      body.push({ event_id: `${options.idPrefix}-${k}`, user_id: ratings.userIds[k], movie_id: ratings.movieIds[k], rating: ratings.ratings[k], timestamp: ratings.timestamps[k] });
    }
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${apiUrl}/events/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status === 202) break;
      const detail = await response.text();
      if (response.status !== 503 || attempt >= 30) throw new Error(`POST /events/batch answered ${response.status}: ${detail.slice(0, 300)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));
    }
    sent += end - start;
    options.onProgress?.(sent, total);
  };
  const limit = pLimit(options.concurrency ?? 4);
  await Promise.all(Array.from({ length: batches }, (_, batch) => limit(post, batch)));
  return sent;
}

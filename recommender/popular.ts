import type { ModelState } from './model-state';
import type { RecommendedItem } from './recommendation';

/**
 * The fallback: movies by quality score (which is also their recall score here), best first, skipping
 * those marked in `seen` and the ids in `exclude`.
 */
export function popularItems(state: ModelState, limit: number, seen: Uint8Array, exclude: readonly number[]): RecommendedItem[] {
  const excluded = new Set(exclude);
  const items: RecommendedItem[] = [];
  const { quality, byQuality } = state.derived.quality;
  for (const i of byQuality) {
    if (items.length >= limit) break;
    const movieId = state.matrix.movieIds[i]!;
    if (seen[i] || excluded.has(movieId)) continue;
    const q = quality[i]!;
    items.push({ movieId, title: state.catalog[i]!.title, score: q, recall_score: q, quality_score: q, reason: 'popular with high ratings' });
  }
  return items;
}

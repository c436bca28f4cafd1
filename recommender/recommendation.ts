/** What a recommendation request asks and what it answers: the recommender's public vocabulary. */

/** `item-based` is content similarity (metadata); `item-cf` is collaborative item-to-item (who rated what). */
export type Method = 'user-based' | 'item-based' | 'hybrid' | 'item-cf';
export const methods: readonly Method[] = ['user-based', 'item-based', 'hybrid', 'item-cf'];
export type RecommendationPath = 'personalised' | 'content-from-few-ratings' | 'popular';

export interface RecommendOptions {
  method?: Method;
  limit?: number;
  qualityWeight?: number;
}

/** A rating the served model does not contain yet (from the fresh-rating store), in time order. */
export interface FreshRatingInput {
  movieId: number;
  rating: number;
}

export interface RecommendedItem {
  movieId: number;
  title: string;
  score: number;
  recall_score: number;
  quality_score: number;
  reason: string;
}

export interface Recommendations {
  userId: number;
  method: Method;
  path: RecommendationPath;
  items: RecommendedItem[];
  /** With fresh ratings given: how many were folded into the user's profile (ratings of movies the model does not know are not). */
  freshRatingsUsed?: number;
}

export interface SimilarMovie {
  movieId: number;
  title: string;
  similarity: number;
}

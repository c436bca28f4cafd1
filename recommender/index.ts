export type { Dataset, Movie, Rating, RatingColumns } from './types';
export { ratingCount, toColumns } from './types';
export { ArtifactError, UnknownMovieError } from './errors';
export type { UserItemMatrix } from './matrix';
export { buildUserItemMatrix, withExtraMovies } from './matrix';
export type { UserCfParams } from './user-cf';
export { UserBasedCF, defaultUserCfParams } from './user-cf';
export { IdIndex } from './id-index';
export type { CandidateLists } from './candidates';
export { concatCandidateLists, decodeCandidateLists, encodeCandidateLists } from './candidates';
export type { ContentParams, ContentSimilarity } from './content';
export { computeContentSimilarity, defaultContentParams } from './content';
export type { BaselineParams, Baselines } from './baseline';
export { fitBaselines } from './baseline';
export type { QualityScores } from './quality';
export { computeQuality } from './quality';
export type {
  FreshRatingInput,
  HybridParams,
  HybridWeights,
  Method,
  ModelCore,
  ModelState,
  RecommendOptions,
  RecommendationPath,
  Recommendations,
  RecommendedItem,
  SimilarMovie,
} from './hybrid';
export { HybridRecommender, defaultHybridParams, mergeParams, methods } from './hybrid';
export type { ArtifactHeader, ArtifactMetadata } from './artifact';
export { artifactFormatVersion, deserialize, deserializeCore, readArtifactHeader, serialize } from './artifact';
export { deriveState } from './model-state';
export type { EvaluateOptions, EvaluatedMethod, EvaluationResult, EvaluationSummary, MethodEvaluation, MetricsAtK } from './evaluation/evaluate';
export { evaluate, evaluatedMethods, mostPopular, summarise } from './evaluation/evaluate';
export type { Protocol } from './evaluation/split';
export { protocols } from './evaluation/split';
export { catalogCoverage, mae, mapAtK, ndcgAtK, precisionAtK, recallAtK, rmse } from './evaluation/metrics';
export { loadMovieLens100k, loadMovieLensLatestSmall } from './data/movielens';
export { generateSynthetic } from './data/synthetic';
export type { SyntheticOptions } from './data/synthetic';
export { loadDataset } from './data/load';
export type { EvaluationLists, RatingSplit } from './evaluation/evaluate';
export { metricsAtKRecord } from './evaluation/evaluate';
export { averagePopularity, countByMovie, novelty } from './evaluation/metrics';
export { NumpyRandomState, numpyRand } from './evaluation/numpy-random';
export { roundHalfEven, stratifiedSplit, temporalSplit, trainCount } from './evaluation/split';
export { parseRatingsCsv, ratingsCsvChunks, ratingsCsvHeader, recommendationsCsvChunks, recommendationsCsvHeader, SplitCsvError } from './evaluation/split-csv';
export type { ItemCfParams, ItemNeighbours } from './item-cf';
export { concatItemNeighbours, defaultItemCfParams, fitItemCf, fitItemNeighbours, usesEase } from './item-cf';
export { fitEaseNeighbours } from './ease';
export type { AlsParams, MovieFactors } from './als';
export { defaultAlsParams, fitAls } from './als';
export type { TuningOptions, TuningResult, TuningTrial } from './tuning';
export { tuneHybrid, tunedBetas, tunedEaseLambdas, tunedWeights } from './tuning';

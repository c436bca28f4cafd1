import type { ActivityDeps } from './deps';
import { createDeployModel } from './deploy-model';
import { createEvaluateModel, createFitEvaluation, createReportEvaluation, createScoreEvaluation } from './evaluate-model';
import { createExtractFeatures } from './extract-features';
import { createPlanPublish, createPublishFeatures, createPublishShard, createRecordPublished } from './publish-features';
import { createReloadApi } from './reload-api';
import { createWriteRatingsParquet } from './write-ratings-parquet';
import { createAssembleModel, createPrecomputeCandidates, createTrainModel } from './train-model';
import { createPlanValidation, createValidateData, createValidateShard } from './validate-data';

/** The batch workflow's activities, with their clients injected (the worker or a test builds `deps`). */
export function createActivities(deps: ActivityDeps) {
  return {
    planValidation: createPlanValidation(deps),
    validateShard: createValidateShard(deps),
    validateData: createValidateData(deps),
    extractFeatures: createExtractFeatures(deps),
    publishFeatures: createPublishFeatures(deps),
    planPublish: createPlanPublish(deps),
    publishShard: createPublishShard(deps),
    recordPublished: createRecordPublished(deps),
    writeRatingsParquet: createWriteRatingsParquet(deps),
    trainModel: createTrainModel(deps),
    precomputeCandidates: createPrecomputeCandidates(deps),
    assembleModel: createAssembleModel(deps),
    evaluateModel: createEvaluateModel(deps),
    fitEvaluation: createFitEvaluation(deps),
    scoreEvaluation: createScoreEvaluation(deps),
    reportEvaluation: createReportEvaluation(deps),
    deployModel: createDeployModel(deps),
    reloadApi: createReloadApi(deps),
  };
}

export type BatchActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps, BatchSettings } from './deps';

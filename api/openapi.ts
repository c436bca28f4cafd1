/**
 * The OpenAPI 3.1 document of the API. Parameters and request bodies come from the zod schemas the
 * routes validate with (`z.toJSONSchema`, input side), so the document cannot drift from the checks;
 * response bodies are described here with zod too, for the same JSON Schema output.
 */
import { z } from 'zod';
import { incomingEventSchema } from '../domain/events';
import { methods } from '../recommender/hybrid';
import { similarMoviesParams } from './routes/movies';
import { reloadBody } from './routes/models';
import { recommendationsParams } from './routes/recommendations';
import { userFeaturesParams } from './routes/users';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
  return rest;
}

function parameters(location: 'path' | 'query', schema: z.ZodObject | undefined): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return {
      name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string) => ({ $ref: `#/components/responses/${name}` });
const json = (schemaName: string, description: string) => ({ description, content: { 'application/json': { schema: ref(schemaName) } } });

const problem = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string(),
    errors: z.array(z.object({ field: z.string(), in: z.enum(['path', 'query', 'body']).optional(), index: z.number().int().optional(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details; 400s list each bad parameter or field in `errors`');

const recommendationList = z.object({
  user_id: z.number().int(),
  model_version: z.string(),
  method: z.enum(methods),
  path: z.enum(['personalised', 'content-from-few-ratings', 'popular']).describe('which path produced the list: CF/content recall, content from a few ratings, or the popular fallback'),
  fresh: z
    .object({
      status: z.enum(['ok', 'unavailable']).describe('`unavailable`: the fresh-rating store did not answer in time; the list comes from the model alone'),
      ratings: z.number().int().describe('ratings of this user accepted since the served model was trained (of movies it knows)'),
      folded: z.boolean().describe('whether they were folded into the profile; false with ratings > 0: the model’s own list without those movies (recommender threads busy)'),
      detail: z.string().optional(),
    })
    .describe('the ratings the served model does not contain yet; movies rated there are never recommended'),
  items: z.array(
    z.object({
      movie_id: z.number().int(),
      title: z.string(),
      score: z.number().describe('recall_score·(1−quality_weight) + quality_score·quality_weight'),
      recall_score: z.number().min(0).max(1),
      quality_score: z.number().min(0).max(1),
      reason: z.string(),
    }),
  ),
});

const similarMovies = z.object({
  movie_id: z.number().int(),
  title: z.string().nullable(),
  model_version: z.string(),
  items: z.array(z.object({ movie_id: z.number().int(), title: z.string(), similarity: z.number() })),
});

const userFeatures = z.looseObject({ user_id: z.number().int() }).describe('the feature item as stored in DynamoDB (features, updated_at, run date)');

const modelInfo = z.object({
  version: z.string(),
  created_at: z.string(),
  metrics: z.record(z.string(), z.number()),
  loaded_at: z.string(),
  artifact: z.object({ sha256: z.string(), bytes: z.number().int() }),
});

const reloadResult = modelInfo.extend({
  previous_version: z.string().nullable(),
  changed: z.boolean().describe('false when the version was already served: nothing was loaded'),
  load_ms: z.number(),
});

const status = (value: string) => z.object({ status: z.literal(value) });

const schemas = {
  Problem: problem,
  RecommendationList: recommendationList,
  SimilarMovies: similarMovies,
  UserFeatures: userFeatures,
  ModelInfo: modelInfo,
  ReloadRequest: reloadBody,
  ReloadResult: reloadResult,
  Event: incomingEventSchema,
  EventAccepted: z.object({ event_id: z.string() }),
  BatchAccepted: z.object({ accepted: z.number().int(), event_ids: z.array(z.string()) }),
  Health: status('ok'),
  Ready: status('ready'),
};

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

const responses = {
  BadRequest: problemResponse('Invalid parameters or body; `errors` names each one'),
  Unauthorized: problemResponse('Missing or wrong bearer token'),
  NotFound: problemResponse('No such resource'),
  UnsupportedMediaType: problemResponse('The body is not JSON'),
  PayloadTooLarge: problemResponse('The body exceeds the size limit'),
  InvalidModel: problemResponse('The model version exists but cannot be served; the previous model keeps serving'),
  NoModel: { ...problemResponse('No model is loaded yet; retry after `Retry-After` seconds'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
  Unavailable: { ...problemResponse('A backing service did not answer; retry after `Retry-After` seconds'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
  InternalError: problemResponse('Unexpected server error (details are logged, not returned)'),
};

function operation(summary: string, params: JsonSchema[], ok: Record<string, unknown>, errors: (keyof typeof responses)[], extra: Record<string, unknown> = {}) {
  return {
    summary,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...extra,
    responses: { ...ok, ...Object.fromEntries(errors.map((name) => [statusOf[name], response(name)])), '500': response('InternalError') },
  };
}

const statusOf: Record<keyof typeof responses, string> = {
  BadRequest: '400',
  Unauthorized: '401',
  NotFound: '404',
  UnsupportedMediaType: '415',
  PayloadTooLarge: '413',
  InvalidModel: '422',
  NoModel: '503',
  Unavailable: '503',
  InternalError: '500',
};

const jsonBody = (schemaName: string, required: boolean) => ({ requestBody: { required, content: { 'application/json': { schema: ref(schemaName) } } } });

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'movie-rec API',
      version: '1.0.0',
      description: 'Rating-event ingest, movie recommendations and model operations. Errors are application/problem+json (RFC 9457).',
    },
    paths: {
      '/events': {
        post: operation('Publish one rating event (answers after the broker acknowledged it)', [], { '202': json('EventAccepted', 'Acknowledged by the broker') }, ['BadRequest', 'PayloadTooLarge', 'UnsupportedMediaType', 'Unavailable'], jsonBody('Event', true)),
      },
      '/events/batch': {
        post: operation(
          'Publish up to 1000 rating events (all or nothing)',
          [],
          { '202': json('BatchAccepted', 'Every event acknowledged') },
          ['BadRequest', 'PayloadTooLarge', 'UnsupportedMediaType', 'Unavailable'],
          { requestBody: { required: true, content: { 'application/json': { schema: { type: 'array', items: ref('Event'), minItems: 1, maxItems: 1000 } } } } },
        ),
      },
      '/recommendations/{user_id}': {
        get: operation(
          'Top movies for a user (unknown users get the cold-start fallback)',
          [...parameters('path', recommendationsParams.path), ...parameters('query', recommendationsParams.query)],
          { '200': json('RecommendationList', 'Recommendations, best first') },
          ['BadRequest', 'NoModel'],
        ),
      },
      '/movies/{movie_id}/similar': {
        get: operation(
          'Movies most similar in content to a movie',
          [...parameters('path', similarMoviesParams.path), ...parameters('query', similarMoviesParams.query)],
          { '200': json('SimilarMovies', 'Similar movies, most similar first') },
          ['BadRequest', 'NotFound', 'NoModel'],
        ),
      },
      '/users/{user_id}/features': {
        get: operation('A user’s features from the feature store', parameters('path', userFeaturesParams.path), { '200': json('UserFeatures', 'The stored features') }, ['BadRequest', 'NotFound', 'Unavailable']),
      },
      '/models/current': {
        get: operation('The served model', [], { '200': json('ModelInfo', 'Version, creation time and evaluation metrics') }, ['NoModel']),
      },
      '/reload': {
        post: operation(
          'Load a model version (default: the registry’s current) and swap it in; on failure the served model is kept',
          [],
          { '200': json('ReloadResult', 'The version now served') },
          ['BadRequest', 'Unauthorized', 'NotFound', 'UnsupportedMediaType', 'InvalidModel', 'Unavailable'],
          { ...jsonBody('ReloadRequest', false), security: [{ reloadToken: [] }] },
        ),
      },
      '/healthz': { get: operation('Liveness: the process answers', [], { '200': json('Health', 'Alive') }, []) },
      '/readyz': { get: operation('Readiness: broker connected and a model loaded', [], { '200': json('Ready', 'Ready') }, ['Unavailable']) },
      '/metrics': {
        get: operation('Prometheus metrics', [], { '200': { description: 'Text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } }, []),
      },
      '/openapi.json': {
        get: operation('This document', [], { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } }, []),
      },
    },
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, jsonSchema(schema)])),
      responses,
      securitySchemes: { reloadToken: { type: 'http', scheme: 'bearer', description: 'RELOAD_TOKEN' } },
    },
  };
}

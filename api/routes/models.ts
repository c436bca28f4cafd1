/**
 * GET /models/current: the served model (version, created_at, metrics); 503 while none is loaded.
 * POST /reload (bearer token): load a version (default: the registry's current) and swap it in.
 *   200 — loaded and served (or already served: `changed: false`);
 *   400 — the body is not `{version?: string}`;   401 — missing or wrong token;
 *   404 — no such version (or nothing deployed);  422 — the version cannot be served (corrupt, fails checks);
 *   503 — the registry could not be read.
 * On every failure the model served before keeps serving.
 */
import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { bearerTokenMatcher } from '../bearer-token';
import type { RequestState } from '../context';
import type { ApiMetrics } from '../metrics';
import { InvalidModelError, MODEL_VERSION_PATTERN, ModelNotFoundError, RegistryUnavailableError, type LoadedModel } from '../model-holder';
import { invalidParameters, parameterProblems } from '../params';
import { ProblemError } from '../problems';
import { requireModel, type ServingDeps } from '../serving';

export const reloadBody = z
  .strictObject({
    version: z.string({ error: 'must be a string' }).regex(MODEL_VERSION_PATTERN, 'must be 1-128 characters of letters, digits, . _ - (starting with a letter or digit)').optional(),
  })
  .meta({ id: 'ReloadRequest' });

export const servedModelAnswer = z.object({
  version: z.string(),
  created_at: z.string(),
  metrics: z.record(z.string(), z.number()),
  loaded_at: z.string(),
  artifact: z.object({ sha256: z.string(), bytes: z.number().int() }),
}).meta({ id: 'ModelInfo' });

export const reloadAnswer = servedModelAnswer
  .extend({
    previous_version: z.string().nullable(),
    changed: z.boolean().describe('false when the version was already served: nothing was loaded'),
    load_ms: z.number().int(),
  })
  .meta({ id: 'ReloadResult' });

export function modelInfo(model: LoadedModel): z.output<typeof servedModelAnswer> {
  return {
    version: model.version,
    created_at: model.manifest.created_at,
    metrics: model.manifest.metrics ?? {},
    loaded_at: model.loadedAt.toISOString(),
    artifact: { sha256: model.manifest.artifact.sha256, bytes: model.manifest.artifact.bytes },
  };
}

function reloadBodyOf(ctx: ParameterizedContext<RequestState>): z.output<typeof reloadBody> {
  if (ctx.request.type !== '' && !ctx.request.is('application/json')) {
    throw new ProblemError(415, 'Unsupported Media Type', 'send the body as JSON with Content-Type: application/json, or no body');
  }
  const body: unknown = ctx.request.body ?? {};
  const parsed = reloadBody.safeParse(body);
  if (!parsed.success) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidParameters([{ field: '(body)', in: 'body', message: 'must be a JSON object' }]);
    throw invalidParameters(parameterProblems(parsed.error, 'body'));
  }
  return parsed.data;
}

export function modelsRouter(deps: Pick<ServingDeps, 'models' | 'reloadToken'>, metrics: ApiMetrics): Router<RequestState> {
  const router = new Router<RequestState>();
  const tokenMatches = bearerTokenMatcher(deps.reloadToken);

  router.get('/models/current', (ctx) => {
    ctx.body = modelInfo(requireModel(deps.models));
  });

  router.post('/reload', async (ctx) => {
    if (!tokenMatches(ctx.get('authorization'))) {
      metrics.reloads.inc({ outcome: 'unauthorized' });
      throw new ProblemError(401, 'Unauthorized', 'POST /reload needs Authorization: Bearer <RELOAD_TOKEN>', {}, { 'WWW-Authenticate': 'Bearer realm="movie-rec"' });
    }
    const { version } = reloadBodyOf(ctx);
    const log = ctx.state.log.child({ requested_version: version ?? '(registry current)' });
    try {
      const result = await deps.models.reload(version);
      metrics.reloads.inc({ outcome: result.changed ? 'loaded' : 'unchanged' });
      log.info({ version: result.model.version, previous_version: result.previousVersion, changed: result.changed, load_ms: Math.round(result.loadMs) }, 'model reloaded');
      ctx.body = { ...modelInfo(result.model), previous_version: result.previousVersion ?? null, changed: result.changed, load_ms: Math.round(result.loadMs) } satisfies z.output<typeof reloadAnswer>;
    } catch (err) {
      const served = deps.models.current()?.version ?? null;
      const extra = { requested_version: version ?? null, served_version: served };
      if (err instanceof ModelNotFoundError) {
        metrics.reloads.inc({ outcome: 'not_found' });
        log.warn({ err: err.message }, 'reload refused');
        throw new ProblemError(404, 'Unknown model version', err.message, extra);
      }
      if (err instanceof InvalidModelError) {
        metrics.reloads.inc({ outcome: 'invalid' });
        log.error({ err: err.message }, 'reload refused: the model cannot be served');
        throw new ProblemError(422, 'Invalid model', err.message, extra);
      }
      if (err instanceof RegistryUnavailableError) {
        metrics.reloads.inc({ outcome: 'unavailable' });
        log.error({ err: err.message }, 'reload failed: registry unavailable');
        throw new ProblemError(503, 'Registry unavailable', err.message, extra, { 'Retry-After': '5' });
      }
      metrics.reloads.inc({ outcome: 'error' });
      throw err;
    }
  });
  return router;
}

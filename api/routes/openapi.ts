/** GET /openapi.json: the API's OpenAPI 3.1 document (built once, for this app's routes and limits). */
import Router from '@koa/router';
import type { RequestState } from '../context';
import { openApiDocument, type OpenApiOptions } from '../openapi';

export function openApiRouter(options: OpenApiOptions): Router<RequestState> {
  const router = new Router<RequestState>();
  const document = openApiDocument(options);
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  return router;
}

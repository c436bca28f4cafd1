/** GET /openapi.json: the API's OpenAPI 3.1 document (built once). */
import Router from '@koa/router';
import type { RequestState } from '../context';
import { openApiDocument } from '../openapi';

export function openApiRouter(): Router<RequestState> {
  const router = new Router<RequestState>();
  const document = openApiDocument();
  router.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });
  return router;
}

/**
 * Errors as RFC 9457 problem details (`application/problem+json`). Handlers throw a ProblemError;
 * the error middleware renders it, and turns anything else into a 500 without leaking internals.
 */
import type { Context } from 'koa';
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** What `sendProblem` writes, for the OpenAPI document: the members below, plus any a route adds. */
export const problemSchema = z
  .looseObject({
    type: z.literal('about:blank'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string(),
    errors: z
      .array(z.object({ field: z.string(), in: z.enum(['path', 'query', 'body']).optional(), index: z.number().int().optional(), message: z.string() }))
      .optional()
      .describe('400s: each bad parameter or field'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }
}

export function sendProblem(ctx: Context, problem: ProblemError): void {
  for (const [name, value] of Object.entries(problem.headers)) ctx.set(name, value);
  ctx.status = problem.status;
  ctx.type = PROBLEM_CONTENT_TYPE;
  ctx.body = {
    type: 'about:blank',
    title: problem.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    instance: ctx.path,
    ...problem.extra,
  };
}

/**
 * Errors as RFC 9457 problem details (`application/problem+json`). Handlers throw a ProblemError;
 * the error middleware renders it, and turns anything else into a 500 without leaking internals.
 */
import type { Context } from 'koa';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

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

/**
 * Path and query parameters: one zod schema per route gives the checks, the TypeScript type and the
 * OpenAPI parameter list. Parameters arrive as strings; the schemas accept canonical decimal text only
 * (no `0x10`, `1e3`, spaces or empty values), so that a number's spelling cannot slip past a check.
 */
import { z } from 'zod';
import { MAX_ID } from '../domain/ids';
import { ProblemError } from './problems';

export function integerParam(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string({ error: message })
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
}

export function decimalParam(min: number, max: number) {
  const message = `must be a number from ${min} to ${max}`;
  return z
    .string({ error: message })
    .regex(/^\d{1,3}(\.\d{1,6})?$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message));
}

/** Ids of users and movies: positive 32-bit integers (what the model's matrix holds). */
export const idParam = integerParam(1, MAX_ID);

export type ParamLocation = 'path' | 'query';

export interface ParameterProblem {
  field: string;
  in: ParamLocation | 'body';
  message: string;
}

export function parameterProblems(error: z.ZodError, location: ParameterProblem['in']): ParameterProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: key, in: location, message: 'is not a known parameter' }));
    return [{ field: issue.path.map(String).join('.') || '(all)', in: location, message: issue.message }];
  });
}

export function invalidParameters(problems: ParameterProblem[]): ProblemError {
  const names = [...new Set(problems.map((p) => p.field))];
  return new ProblemError(400, 'Invalid parameters', `invalid ${names.length === 1 ? 'parameter' : 'parameters'}: ${names.join(', ')}`, { errors: problems });
}

/** Parses path and query together, so one 400 names every bad parameter. */
export function parseRequest<P extends z.ZodType, Q extends z.ZodType>(
  schemas: { path?: P; query?: Q },
  input: { path: Record<string, string>; query: unknown },
): { path: z.output<P>; query: z.output<Q> } {
  const problems: ParameterProblem[] = [];
  const parse = <S extends z.ZodType>(schema: S | undefined, value: unknown, location: ParamLocation): z.output<S> | undefined => {
    if (!schema) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    problems.push(...parameterProblems(result.error, location));
    return undefined;
  };
  const path = parse(schemas.path, input.path, 'path');
  const query = parse(schemas.query, { ...(input.query as object) }, 'query');
  if (problems.length > 0) throw invalidParameters(problems);
  return { path: path as z.output<P>, query: query as z.output<Q> };
}

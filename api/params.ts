/**
 * Path and query parameters: one zod schema per route gives the checks, the TypeScript type and the
 * OpenAPI parameter list. Parameters arrive as strings, and only the spellings an OpenAPI client writes
 * for an `integer` or a `number` are read as one: integers in decimal digits with no sign or leading
 * zero, and at most a zero fraction (`42`, `42.0`: JSON Schema counts 42.0 as an integer), numbers as
 * JSON writes them (`0.25`, `2.5e-1`). Anything else (`0x10`, `1e1` for an integer, spaces, an empty
 * value) stays a string and fails the number check, so that a spelling cannot slip past a bound; and
 * the JSON Schema of each parameter (zod renders the number the preprocess leads to) is exactly what
 * passes.
 */
import { z } from 'zod';
import { MAX_ID } from '../domain/ids';
import { ProblemError } from './problems';

const INTEGER_TEXT = /^(0|[1-9][0-9]*)(\.0+)?$/;
const NUMBER_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * A number parameter read from its spelling. A preprocess runs on a missing key too, so zod-openapi would
 * call the parameter optional; it is required unless wrapped in `.optional()` (whose own metadata wins).
 */
function numberParam<T extends z.ZodNumber>(spelling: RegExp, schema: T) {
  return z.preprocess((value) => (typeof value === 'string' && spelling.test(value) ? Number(value) : value), schema).meta({ param: { required: true } });
}

export function integerParam(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return numberParam(INTEGER_TEXT, z.number({ error: message }).int(message).min(min, message).max(max, message));
}

export function decimalParam(min: number, max: number) {
  const message = `must be a number from ${min} to ${max}`;
  return numberParam(NUMBER_TEXT, z.number({ error: message }).min(min, message).max(max, message));
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

/**
 * POST /events and POST /events/batch: validate, publish to the broker, answer after its acknowledgement.
 *   202 — every event was acknowledged by the broker (acks=all); the body lists the event ids.
 *   400 — the body is not valid; nothing was published.
 *   503 — the broker did not acknowledge in time or is unreachable; retry after `Retry-After` seconds
 *         with the same event ids (a retry is then deduplicated downstream).
 */
import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { incomingEventSchema, parseEvent, type FieldProblem, type RatingEvent } from '../../domain/events';
import { PublishError, type EventPublisher, type PublishAck } from '../../domain/event-publisher';
import type { RequestState } from '../context';
import { ProblemError } from '../problems';

export interface EventsRouteOptions {
  publisher: EventPublisher;
  maxBatchEvents: number;
  retryAfterSeconds: number;
}

/** The body of POST /events, named for the OpenAPI document's components; `parseEvent` checks it. */
export const eventBody = incomingEventSchema.meta({ id: 'Event' });

/**
 * The batch body as the OpenAPI document states it. The handler checks the same in steps (an array,
 * its length, then each event with `parseEvent`) so that a 400 names every bad event by its index.
 */
export function eventBatchBody(maxBatchEvents: number) {
  return z.array(eventBody).min(1).max(maxBatchEvents);
}

export const eventAcceptedAnswer = z.object({ event_id: z.string() }).meta({ id: 'EventAccepted' });
export const batchAcceptedAnswer = z.object({ accepted: z.number().int().min(1), event_ids: z.array(z.string()) }).meta({ id: 'BatchAccepted' });

type Ctx = ParameterizedContext<RequestState>;

function jsonBody(ctx: Ctx): unknown {
  if (!ctx.request.is('application/json')) {
    throw new ProblemError(415, 'Unsupported Media Type', 'send the event as JSON with Content-Type: application/json');
  }
  return ctx.request.body;
}

function invalid(detail: string, errors: (FieldProblem & { index?: number })[]): ProblemError {
  return new ProblemError(400, 'Invalid event', detail, { errors });
}

async function publishOrUnavailable(ctx: Ctx, options: EventsRouteOptions, events: RatingEvent[]): Promise<PublishAck[]> {
  try {
    return await options.publisher.publish(events);
  } catch (err) {
    if (!(err instanceof PublishError)) throw err;
    ctx.state.log.warn({ err: err.message, events: events.length }, 'events not acknowledged');
    throw new ProblemError(
      503,
      'Events not accepted',
      `${err.message}. Retry with the same event_id${events.length > 1 ? 's' : ''}.`,
      { event_ids: events.map((e) => e.event_id), may_have_been_written: err.mayHaveBeenWritten },
      { 'Retry-After': String(options.retryAfterSeconds) },
    );
  }
}

export function eventsRouter(options: EventsRouteOptions): Router<RequestState> {
  const router = new Router<RequestState>();

  router.post('/events', async (ctx) => {
    const parsed = parseEvent(jsonBody(ctx));
    if (!parsed.ok) throw invalid('the event has invalid fields; nothing was published', parsed.problems);
    const [ack] = await publishOrUnavailable(ctx, options, [parsed.event]);
    ctx.status = 202;
    ctx.body = { event_id: ack?.event_id ?? parsed.event.event_id } satisfies z.output<typeof eventAcceptedAnswer>;
  });

  router.post('/events/batch', async (ctx) => {
    const body = jsonBody(ctx);
    if (!Array.isArray(body)) throw invalid('the body must be a JSON array of events', [{ field: '(body)', message: 'must be an array' }]);
    if (body.length === 0 || body.length > options.maxBatchEvents) {
      throw invalid(`a batch holds 1 to ${options.maxBatchEvents} events`, [{ field: '(body)', message: `has ${body.length} items` }]);
    }
    const events: RatingEvent[] = [];
    const errors: (FieldProblem & { index: number })[] = [];
    body.forEach((item: unknown, index) => {
      const parsed = parseEvent(item);
      if (parsed.ok) events.push(parsed.event);
      else for (const problem of parsed.problems) errors.push({ index, ...problem });
    });
    if (errors.length > 0) {
      const bad = new Set(errors.map((e) => e.index)).size;
      throw invalid(`${bad} of ${body.length} events are invalid; nothing was published`, errors);
    }
    const acks = await publishOrUnavailable(ctx, options, events);
    ctx.status = 202;
    ctx.body = { accepted: acks.length, event_ids: acks.map((a) => a.event_id) } satisfies z.output<typeof batchAcceptedAnswer>;
  });

  return router;
}

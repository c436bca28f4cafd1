/** What each request carries beside Koa's own state: its id and a logger bound to it. */
import type { Logger } from 'pino';

export interface RequestState {
  requestId: string;
  log: Logger;
  /** The name of the API key the request came with, on the client routes when keys are configured. */
  client?: string;
}

/**
 * Each replica follows the registry by itself: it checks `models/current.json` every few seconds by
 * entity tag and, when the pointer changed, loads what it points at (off the event loop, with the same
 * checks as POST /reload). A version it refuses is not tried again until the pointer changes; a
 * registry that cannot be read is tried again at the next check. A replica that starts later loads the
 * current version at its first check.
 */
import type { Logger } from 'pino';
import { CURRENT_POINTER_KEY } from '../domain/model-registry';
import type { ObjectStore } from '../domain/ports';
import { InvalidModelError, ModelNotFoundError, type ModelHolder } from './model-holder';

export class RegistryWatcher {
  private timer: NodeJS.Timeout | undefined;
  private seenTag: string | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly models: ModelHolder,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Checks now, then every interval. */
  start(): void {
    const tick = () => {
      this.checking = this.check().finally(() => {
        this.checking = undefined;
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.checking;
  }

  private async check(): Promise<void> {
    let tag: string | undefined;
    try {
      tag = (await this.store.head(CURRENT_POINTER_KEY))?.etag;
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'model registry unreachable; checking again later');
      return;
    }
    if (tag === undefined || tag === this.seenTag) return;
    try {
      const result = await this.models.reload();
      this.seenTag = tag;
      if (result.changed) this.logger.info({ version: result.model.version, previous_version: result.previousVersion, load_ms: Math.round(result.loadMs) }, 'model loaded from the registry');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof InvalidModelError || err instanceof ModelNotFoundError) {
        // Not tried again until the pointer changes; the replica keeps serving what it served.
        this.seenTag = tag;
        this.logger.error({ err: message, served_version: this.models.current()?.version ?? null }, 'the deployed model cannot be served; keeping the served one');
      } else {
        this.logger.warn({ err: message }, 'model registry unreachable; checking again later');
      }
    }
  }
}

/**
 * What the deployed model contains, as the consumer's fresh-rating writer needs it: the bronze offset
 * watermark of the model `models/current.json` points at, checked every few seconds. A rating at or
 * below it is already in the model the API serves, so writing it to the fresh-rating store would only
 * cost a write (after a bulk load the batch often overtakes the writer).
 */
import type { Logger } from 'pino';
import type { BronzeWatermark } from '../domain/bronze';
import { CURRENT_POINTER_KEY, readCurrentPointer, readManifest } from '../domain/model-registry';
import type { ObjectStore } from '../domain/ports';

export class ServedWatermark {
  private timer: NodeJS.Timeout | undefined;
  private tag: string | undefined;
  private watermark: BronzeWatermark | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      void this.check().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The deployed model's watermark, or undefined while none is known. */
  current(): BronzeWatermark | undefined {
    return this.watermark;
  }

  private async check(): Promise<void> {
    try {
      const tag = (await this.store.head(CURRENT_POINTER_KEY))?.etag;
      if (tag === undefined || tag === this.tag) return;
      const pointer = await readCurrentPointer(this.store);
      const manifest = pointer ? await readManifest(this.store, pointer.version) : undefined;
      this.watermark = manifest?.data_snapshot?.bronze_watermark;
      this.tag = tag;
    } catch (err) {
      this.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'deployed model not read; writing every fresh rating');
    }
  }
}

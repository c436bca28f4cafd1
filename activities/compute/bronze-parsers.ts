import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { moduleBeside } from '../../config/source-tree';
import type { ParsedBronzeObject } from '../../domain/bronze-object';

export interface BronzeParseTask {
  key: string;
  bytes: Uint8Array;
  sampleLimit: number;
}

/** A parsed object as the validation shard needs it: the counts, the valid events' movies, and all valid events as bytes. */
export interface BronzeParseResult extends Pick<ParsedBronzeObject, 'events' | 'invalid' | 'samples'> {
  movieIds: Int32Array;
  /** `encodeParsedEvents` of the valid events. */
  encoded: Uint8Array;
}

const thread = moduleBeside(import.meta.url, './bronze-parse-thread').href;

/**
 * Threads that parse bronze objects, so that the shards of one worker process parse on as many cores.
 * Started on first use; an idle thread exits after a minute.
 */
export class BronzeParsers {
  private pool: Piscina<BronzeParseTask, BronzeParseResult> | undefined;

  parse(task: BronzeParseTask): Promise<BronzeParseResult> {
    this.pool ??= new Piscina({ filename: thread, minThreads: 0, maxThreads: availableParallelism(), idleTimeout: 60_000 });
    return this.pool.run(task, { transferList: [task.bytes.buffer as ArrayBuffer] });
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

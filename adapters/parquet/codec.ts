import type { WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import parquet from '@dsnp/parquetjs';

export type ParquetSchemaDefinition = ConstructorParameters<typeof parquet.ParquetSchema>[0];

const ROW_GROUP_SIZE = 50_000;
/**
 * parquetjs resolves its promises without real I/O when encoding to memory or decoding a buffer, so
 * awaiting them never lets timers run; yielding to the event loop every so many rows keeps heartbeats
 * and other timers alive during long encodes and decodes.
 */
const YIELD_EVERY_ROWS = 5_000;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Encodes rows to parquet bytes in memory (silver objects are written with one PUT). */
export async function encodeParquet(definition: ParquetSchemaDefinition, rows: Iterable<Record<string, unknown>>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  // The writer only calls write() and end(), which any Writable has; its type asks for a file stream.
  const writer = await parquet.ParquetWriter.openStream(new parquet.ParquetSchema(definition), sink as unknown as WriteStream, { rowGroupSize: ROW_GROUP_SIZE });
  let count = 0;
  for (const row of rows) {
    await writer.appendRow(row);
    if (++count % YIELD_EVERY_ROWS === 0) await yieldToEventLoop();
  }
  await writer.close();
  return Buffer.concat(chunks);
}

/** Decodes parquet bytes row by row. */
export async function* decodeParquet(bytes: Uint8Array): AsyncIterable<Record<string, unknown>> {
  const reader = await parquet.ParquetReader.openBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  try {
    const cursor = reader.getCursor();
    let count = 0;
    for (let row = (await cursor.next()) as Record<string, unknown> | null; row; row = (await cursor.next()) as Record<string, unknown> | null) {
      yield row;
      if (++count % YIELD_EVERY_ROWS === 0) await yieldToEventLoop();
    }
  } finally {
    await reader.close();
  }
}

/** A thread of the bronze parsers' pool (bronze-parsers.ts): parses one object and hands back its valid events as bytes. */
import { encodeParsedEvents, parseBronzeObject } from '../../domain/bronze-object';
import type { BronzeParseTask, BronzeParseResult } from './bronze-parsers';

const decoder = new TextDecoder();

export default function parse(task: BronzeParseTask): BronzeParseResult {
  const { events, invalid, samples, valid } = parseBronzeObject(task.key, decoder.decode(task.bytes), task.sampleLimit);
  return { events, invalid, samples, movieIds: valid.movieIds, encoded: encodeParsedEvents(valid) };
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { OutgoingMessage } from '../../../adapters/kafka/batch-sender';
import { deadLetterObjectKey, deliverDeadLetters, type DeadLetter, type DeadLetterPointer, type DeadLetterRoute } from '../../../consumer/dead-letters';
import { encodedBatchBytes } from './kafka-encoding';

const MAX_MESSAGE_BYTES = 20_000;

const letter = (offset: number, originalBytes: number, key: string | null = '7'): DeadLetter => ({
  reason: 'not JSON',
  problems: [{ field: '(value)', message: 'Unexpected token' }],
  topic: 'user-events',
  partition: 2,
  offset: String(offset),
  timestamp: '1717243200000',
  key_base64: key === null ? null : Buffer.from(key).toString('base64'),
  original_base64: Buffer.alloc(originalBytes, offset % 251).toString('base64'),
});

/** A route and object store that record every call, in order. */
function fakes(options: { failPut?: boolean } = {}) {
  const calls: string[] = [];
  const sends: OutgoingMessage[][] = [];
  const objects = new Map<string, Buffer>();
  const route: DeadLetterRoute = {
    bucket: 'movie-rec',
    prefix: 'dead-letters/user-events',
    maxMessageBytes: MAX_MESSAGE_BYTES,
    send: (records) => {
      calls.push(`send ${records.length}`);
      sends.push(records);
      return Promise.resolve();
    },
  };
  const putObject = (key: string, body: Buffer) => {
    calls.push(`put ${key}`);
    if (options.failPut) return Promise.reject(new Error('S3 down'));
    objects.set(key, body);
    return Promise.resolve();
  };
  return { calls, sends, objects, route, putObject };
}

const parsed = (records: OutgoingMessage[]) => records.map((r) => JSON.parse(r.value) as DeadLetter | DeadLetterPointer);

describe('consumer/dead-letters: letters reach the topic in sends under the limit, or S3 with a pointer', () => {
  it('splits many letters into sends that each fit the broker’s limit, keeping offset order and the original keys', async () => {
    const f = fakes();
    const letters = Array.from({ length: 300 }, (_, i) => letter(1000 + i, 200));
    const result = await deliverDeadLetters(f.route, f.putObject, letters);
    assert.equal(result.objects, 0);
    assert.ok(f.sends.length > 1, 'more than one send');
    for (const send of f.sends) assert.ok((await encodedBatchBytes(send)) <= MAX_MESSAGE_BYTES);
    assert.deepEqual(parsed(f.sends.flat()), letters);
    assert.deepEqual(new Set(f.sends.flat().map((r) => r.key)), new Set(['7']));
  });

  it('stores a letter too large for the topic as an object, written before the pointer that names it is sent', async () => {
    const f = fakes();
    const large = letter(42, 16_000);
    const result = await deliverDeadLetters(f.route, f.putObject, [letter(41, 10), large, letter(43, 10, null)]);
    assert.equal(result.objects, 1);
    const key = 'dead-letters/user-events/user-events-p2-00000000000000000042.json';
    assert.deepEqual(f.calls, [`put ${key}`, 'send 3']);
    const body = f.objects.get(key);
    assert.ok(body);
    assert.deepEqual(JSON.parse(body.toString()), large, 'the object is the whole letter');
    const [before, pointer, after] = parsed(f.sends.flat());
    assert.equal((before as DeadLetter).offset, '41');
    assert.deepEqual(pointer, {
      reason: 'not JSON',
      topic: 'user-events',
      partition: 2,
      offset: '42',
      timestamp: '1717243200000',
      object: { bucket: 'movie-rec', key, size: body.length, sha256: createHash('sha256').update(body).digest('hex') },
    });
    assert.equal(f.sends.flat()[1]?.key, 'user-events-2-42', 'a pointer is keyed by position');
    assert.equal(f.sends.flat()[2]?.key, 'user-events-2-43', 'a letter without a key is keyed by position');
    assert.equal((after as DeadLetter).offset, '43');
  });

  it('stores a letter whose key alone is too large for the topic, and keeps the pointer small', async () => {
    const f = fakes();
    await deliverDeadLetters(f.route, f.putObject, [letter(5, 10, 'k'.repeat(MAX_MESSAGE_BYTES))]);
    const [record] = f.sends.flat();
    assert.ok(record);
    assert.ok(Buffer.byteLength(record.key) + Buffer.byteLength(record.value) < 1_000);
    assert.ok('object' in (JSON.parse(record.value) as DeadLetterPointer));
  });

  it('writes the same object under the same key when the same message is delivered again', async () => {
    const first = fakes();
    const again = fakes();
    await deliverDeadLetters(first.route, first.putObject, [letter(9, 16_000)]);
    await deliverDeadLetters(again.route, again.putObject, [letter(9, 16_000)]);
    assert.deepEqual([...again.objects], [...first.objects]);
    assert.deepEqual(again.sends, first.sends);
  });

  it('sends nothing (so the batch is not committed) when the object cannot be written', async () => {
    const f = fakes({ failPut: true });
    await assert.rejects(deliverDeadLetters(f.route, f.putObject, [letter(1, 10), letter(2, 16_000)]), /S3 down/);
    assert.deepEqual(f.sends, []);
  });

  it('sends nothing for no letters', async () => {
    const f = fakes();
    await deliverDeadLetters(f.route, f.putObject, []);
    assert.deepEqual(f.calls, []);
  });

  it('names objects by topic, partition and 20-digit offset, and refuses what is not an offset', () => {
    assert.equal(deadLetterObjectKey('p', 't', 0, '12345678901234567890'), 'p/t-p0-12345678901234567890.json');
    assert.throws(() => deadLetterObjectKey('p', 't', 0, '-1'));
  });
});

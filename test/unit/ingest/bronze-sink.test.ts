import assert from 'node:assert/strict';
import type { OutgoingMessage } from '../../../adapters/kafka/batch-sender';
import { sinkBatch, type BronzeSinkDeps } from '../../../consumer/bronze-sink';
import type { ConsumedMessage } from '../../../domain/event-message';
import type { DeadLetter } from '../../../consumer/dead-letters';

const event = (n: number) => JSON.stringify({ event_id: `e${n}`, user_id: 1, movie_id: n, rating: 4, timestamp: '2024-01-01T00:00:00.000Z' });
const message = (offset: number, value: string | Buffer | null, timestamp = Date.UTC(2024, 4, 1, 12)): ConsumedMessage => ({
  offset: String(offset),
  timestamp: String(timestamp),
  key: Buffer.from('1'),
  value: typeof value === 'string' ? Buffer.from(value) : value,
});

function fakes(failPut = false) {
  const objects = new Map<string, string>();
  const letters: OutgoingMessage[] = [];
  const deps: BronzeSinkDeps = {
    prefix: 'bronze/user-events',
    putObject: (key, body) => {
      if (failPut) return Promise.reject(new Error('S3 down'));
      objects.set(key, body.toString());
      return Promise.resolve();
    },
    deadLetters: {
      bucket: 'b',
      prefix: 'dead-letters/user-events',
      maxMessageBytes: 1_048_588,
      send: (messages) => {
        letters.push(...messages);
        return Promise.resolve();
      },
    },
  };
  return { objects, letters, deps };
}

describe('consumer/bronze-sink: a batch into bronze objects and dead letters', () => {
  it('stores valid values byte for byte, one per line, under a key from the offset range', async () => {
    const f = fakes();
    const spaced = '{ "event_id": "e9", "user_id": 1, "movie_id": 9, "rating": 4, "timestamp": 1700000000 }';
    const result = await sinkBatch(f.deps, 'user-events', 1, [message(10, event(1)), message(11, spaced), message(12, event(2))]);
    assert.deepEqual([...f.objects.keys()], ['bronze/user-events/dt=2024-05-01/user-events-p1-00000000000000000010-00000000000000000012.jsonl']);
    assert.equal([...f.objects.values()][0], `${event(1)}\n${spaced}\n${event(2)}\n`);
    assert.equal(result.lastOffset, '12');
    assert.equal(result.deadLetters, 0);
  });

  it('dead-letters invalid messages with reason, coordinates and original bytes', async () => {
    const f = fakes();
    const bad = Buffer.from([0xc3, 0x28]);
    const result = await sinkBatch(f.deps, 't', 0, [message(1, event(1)), message(2, bad), message(3, '{"user_id":1}'), message(4, null), message(5, 'nope'), message(6, event(2))]);
    const letters = f.letters.map((l) => JSON.parse(l.value) as DeadLetter);
    assert.deepEqual(letters.map((l) => [l.offset, l.reason]), [['2', 'not UTF-8'], ['3', 'invalid event'], ['4', 'empty value'], ['5', 'not JSON']]);
    assert.equal(Buffer.from(letters[0]?.original_base64 ?? '', 'base64').toString('hex'), bad.toString('hex'));
    assert.ok(letters[1]?.problems.some((p) => p.field === 'event_id'));
    assert.equal(result.deadLetters, 4);
    assert.equal(result.lastOffset, '6', 'the whole batch is accounted for');
    assert.equal([...f.objects.values()][0], `${event(1)}\n${event(2)}\n`);
  });

  it('splits a batch that crosses midnight by the messages’ own timestamps', async () => {
    const f = fakes();
    await sinkBatch(f.deps, 't', 0, [message(1, event(1), Date.UTC(2024, 0, 1, 23, 59)), message(2, event(2), Date.UTC(2024, 0, 2, 0, 1))]);
    assert.deepEqual([...f.objects.keys()].sort(), [
      'bronze/user-events/dt=2024-01-01/t-p0-00000000000000000001-00000000000000000001.jsonl',
      'bronze/user-events/dt=2024-01-02/t-p0-00000000000000000002-00000000000000000002.jsonl',
    ]);
  });

  it('gives the same keys and bodies when the same range is read again', async () => {
    const a = fakes();
    const b = fakes();
    const batch = [message(5, event(1)), message(6, event(2))];
    await sinkBatch(a.deps, 't', 0, batch, new Date('2030-01-01T00:00:00Z'));
    await sinkBatch(b.deps, 't', 0, batch, new Date('2031-06-01T00:00:00Z'));
    assert.deepEqual([...a.objects], [...b.objects]);
  });

  it('fails (so the batch is not committed) when a write fails', async () => {
    await assert.rejects(sinkBatch(fakes(true).deps, 't', 0, [message(1, event(1))]), /S3 down/);
  });
});

import assert from 'node:assert/strict';
import { kafkaClusterId } from '../../../scripts/services/stack';

describe('services: the KRaft cluster id', () => {
  it('is a base64url UUID that never starts with "-", which kafka-storage would read as an option', () => {
    // 0xF8 encodes to '-' as the first base64url character; the id is drawn again until it does not.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x10)];
    const id = kafkaClusterId(() => draws.shift()!);
    assert.equal(draws.length, 0, 'drawn three times');
    assert.equal(id, Buffer.alloc(16, 0x10).toString('base64url'));
    assert.match(kafkaClusterId(), /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});

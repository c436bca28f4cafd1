import assert from 'node:assert/strict';
import { AnswerCache } from '../../../api/answer-cache';

describe('AnswerCache', () => {
  it('keeps at most its capacity, evicting the least recently used', () => {
    const cache = new AnswerCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1);
    cache.set('c', 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
  });

  it('replaces a key without growing', () => {
    const cache = new AnswerCache<string>(2);
    cache.set('a', 'x');
    cache.set('a', 'y');
    assert.equal(cache.size, 1);
    assert.equal(cache.get('a'), 'y');
  });

  it('stores nothing with capacity 0', () => {
    const cache = new AnswerCache<number>(0);
    cache.set('a', 1);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0);
  });
});

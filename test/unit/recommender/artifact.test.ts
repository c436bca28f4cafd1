import assert from 'node:assert/strict';
import {
  ArtifactError,
  artifactFormatVersion,
  buildUserItemMatrix,
  deserialize,
  generateSynthetic,
  HybridRecommender,
  methods,
  readArtifactHeader,
  serialize,
} from '../../../recommender';

describe('recommender: model artifact', () => {
  const data = generateSynthetic({ ratings: 20_000, seed: 7, users: 300, movies: 400 });
  const fits = {
    dense: HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies),
    'top-k': HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, { content: { denseMaxMovies: 100, neighboursPerMovie: 30, yearWidths: [1, 5, 10], yearWeight: 0.5 } }),
  };

  for (const [kind, model] of Object.entries(fits)) {
    it(`round-trips to identical recommendations, predictions and similar movies (${kind} content similarity)`, () => {
      assert.equal(model.state.content.kind, kind);
      const bytes = serialize(model, { snapshotId: 'snap-1', createdAt: '2026-01-02T03:04:05.000Z' });
      const loaded = deserialize(bytes);
      for (const userId of [1, 2, 50, 150, 299]) {
        for (const method of methods) {
          assert.deepEqual(loaded.recommend(userId, { method, limit: 10 }), model.recommend(userId, { method, limit: 10 }));
        }
        assert.equal(loaded.predictRating(userId, 3), model.predictRating(userId, 3));
      }
      assert.deepEqual(loaded.recommend(123456), model.recommend(123456));
      assert.deepEqual(loaded.similarMovies(5, 10), model.similarMovies(5, 10));
      assert.deepEqual(loaded.params, model.params);
    });
  }

  it('carries format version, snapshot id, parameters and counts in its header', () => {
    const header = readArtifactHeader(serialize(fits.dense, { snapshotId: 'snap-2', createdAt: '2026-01-02T03:04:05.000Z' }));
    assert.equal(header.formatVersion, artifactFormatVersion);
    assert.equal(header.snapshotId, 'snap-2');
    assert.equal(header.createdAt, '2026-01-02T03:04:05.000Z');
    assert.equal(header.numRatings, 20_000);
    assert.deepEqual(header.params, fits.dense.params);
  });

  it('is compact: typed arrays, not JSON of the matrix', () => {
    const bytes = serialize(fits['top-k'], { snapshotId: 's' });
    // 20k ratings × (4 B movie index + 4 B rating) plus similarity lists and a small catalog.
    assert.ok(bytes.length < 20_000 * 8 + 400 * 30 * 8 + 100_000, `${bytes.length} bytes`);
  });

  it('refuses truncated, corrupt and foreign bytes with an ArtifactError', () => {
    const bytes = serialize(fits.dense, { snapshotId: 's' });
    assert.throws(() => deserialize(bytes.subarray(0, bytes.length - 1)), (e: unknown) => e instanceof ArtifactError && /truncated/.test(e.message));
    assert.throws(() => deserialize(bytes.subarray(0, 10)), (e: unknown) => e instanceof ArtifactError && /truncated/.test(e.message));
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 100]! ^= 0xff;
    assert.throws(() => deserialize(corrupt), (e: unknown) => e instanceof ArtifactError && /checksum/.test(e.message));
    const foreign = bytes.slice();
    foreign[0] = 0x7b;
    assert.throws(() => deserialize(foreign), (e: unknown) => e instanceof ArtifactError && /not a movie-rec model/.test(e.message));
    const future = bytes.slice();
    future[4] = 99;
    assert.throws(() => deserialize(future), (e: unknown) => e instanceof ArtifactError && /version 99/.test(e.message));
  });
});

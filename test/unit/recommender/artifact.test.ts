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
import { defaultAlsParams } from '../../../recommender/als';
import { deserializeCore } from '../../../recommender/artifact';
import { editHeader, editSection, headerOf, inSharedMemory, reseal, withBodyLength, withHeader, type HeaderJson } from './artifact-bytes';

describe('recommender: model artifact', () => {
  const data = generateSynthetic({ ratings: 20_000, seed: 7, users: 300, movies: 400 });
  const fits = {
    dense: HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies),
    'top-k': HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, { content: { denseMaxMovies: 100, neighboursPerMovie: 30, yearWidths: [1, 5, 10], yearWeight: 0.5, popularityExponent: 1 } }),
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
    // 20k ratings × (4 B movie index + 4 B rating) plus similarity lists (content and item-cf) and a small catalog.
    const itemCf = fits['top-k'].state.itemNeighbours.idx.length * 8;
    assert.ok(bytes.length < 20_000 * 8 + 400 * 30 * 8 + itemCf + 100_000, `${bytes.length} bytes`);
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
    const older = bytes.slice();
    older[4] = artifactFormatVersion - 1;
    assert.throws(() => deserialize(older), (e: unknown) => e instanceof ArtifactError && /format version 5 is not supported/.test(e.message), 'format 5 has no content popularity exponent');
  });
});

describe('recommender: model artifact against hostile bytes with a valid checksum', () => {
  const data = generateSynthetic({ ratings: 2_000, seed: 11, users: 60, movies: 80 });
  const dense = serialize(HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies), { snapshotId: 'dense' });
  // Top-K content lists and ALS's movie factors (4 per movie), with candidate pools.
  const topKModel = HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, {
    content: { denseMaxMovies: 20, neighboursPerMovie: 10, yearWidths: [1, 5, 10], yearWeight: 0.5, popularityExponent: 1 },
    hybridWeights: { userCf: 0.2, itemCf: 0.4, content: 0.2, als: 0.2 },
    als: { ...defaultAlsParams, factors: 4 },
  });
  const pooled = serialize(topKModel.withCandidates(topKModel.precomputeCandidates()), { snapshotId: 'pooled' });
  const numMovies = headerOf(dense).numMovies as number;
  const entry = (header: HeaderJson, name: string) => header.sections.find((s) => s.name === name)!;
  const setPrefix = (bytes: Uint8Array, edit: (view: DataView) => void) => {
    const copy = bytes.slice();
    edit(new DataView(copy.buffer));
    return reseal(copy);
  };

  const cases: [string, Uint8Array, RegExp][] = [
    ['a nonzero reserved field', setPrefix(dense, (v) => v.setUint16(6, 1, true)), /reserved prefix field is 1/],
    ['a header length whose padding overflows 32 bits', setPrefix(dense, (v) => v.setUint32(8, 2 ** 32 - 1, true)), /truncated: expected 429\d{7} bytes/],
    ['a body length near 2^64', setPrefix(dense, (v) => v.setBigUint64(12, 2n ** 64n - 1n, true)), /truncated: expected 1844674407370955\d+ bytes/],
    ['a header that is not JSON', withHeader(dense, new TextEncoder().encode('{"formatVersion": 3')), /header is not valid UTF-8 JSON/],
    ['an unknown header field', editHeader(dense, (h) => ({ ...h, extra: 1 })), /header: \(top level\): Unrecognized key: "extra"/],
    ['a negative shrinkage', editHeader(dense, (h) => void ((h.params as { userCf: { shrinkage: number } }).userCf.shrinkage = -1)), /header: params\.userCf\.shrinkage: Too small/],
    ['a default quality weight above 1', editHeader(dense, (h) => void ((h.params as { qualityWeight: number }).qualityWeight = 2)), /header: params\.qualityWeight: Too big/],
    ['a negative similarity threshold', editHeader(dense, (h) => void ((h.params as { userCf: { similarityThreshold: number } }).userCf.similarityThreshold = -0.5)), /header: params\.userCf\.similarityThreshold: Too small/],
    ['a year weight that overflows the content vectors', editHeader(dense, (h) => void ((h.params as { content: { yearWeight: number } }).content.yearWeight = 1e308)), /header: params\.content\.yearWeight: Too big/],
    ['a negative popularity exponent', editHeader(dense, (h) => void ((h.params as { content: { popularityExponent: number } }).content.popularityExponent = -1)), /header: params\.content\.popularityExponent: Too small/],
    ['a zero prior weight', editHeader(dense, (h) => void ((h.params as { priorWeight: number }).priorWeight = 0)), /header: params\.priorWeight/],
    ['thousands of year widths', editHeader(dense, (h) => void ((h.params as { content: { yearWidths: number[] } }).content.yearWidths = Array.from({ length: 5000 }, (_, i) => i + 1))), /params\.content\.yearWidths: Too big/],
    ['a fractional user count', editHeader(dense, (h) => void (h.numUsers = 59.5)), /header: numUsers: Invalid input: expected int/],
    ['a global mean far off any rating scale', editHeader(dense, (h) => void (h.globalMean = 1e300)), /header: globalMean: Too big/],
    ['candidate pools for two methods', editHeader(pooled, (h) => void ((h.candidates as { numMethods: number }).numMethods = 2)), /header: candidates\.numMethods/],
    ['candidate pools beyond the last user', editHeader(pooled, (h) => void ((h.candidates as { firstUser: number }).firstUser = 1)), /candidate pools cover users 1\.\.60, the model has 60/],
    ['a negative section offset', editHeader(dense, (h) => void (h.sections[0]!.offset = -8)), /header: sections\.0\.offset: Too small/],
    ['an unaligned section', editHeader(dense, (h) => void (entry(h, 'movieIds').offset += 4)), /section movieIds starts at body offset \d+, which is not 8-byte aligned/],
    ['overlapping sections', editHeader(dense, (h) => void (entry(h, 'rowPtr').offset = entry(h, 'movieIds').offset)), /section rowPtr starts at body offset \d+, before the end \(\d+\) of the section before it/],
    ['sections out of body order', editHeader(dense, (h) => void h.sections.reverse()), /before the end/],
    ['a section past the body', editHeader(dense, (h) => void (h.sections.at(-1)!.length += 1000)), /section movieFactors .* runs past the end of the \d+-byte body/],
    ['a section length near 2^53', editHeader(dense, (h) => void (entry(h, 'values').length = Number.MAX_SAFE_INTEGER)), /section values .* runs past the end/],
    ['a section of the wrong type', editHeader(dense, (h) => void (entry(h, 'values').type = 'i32')), /section values has type i32, expected f32/],
    ['a section twice', editHeader(dense, (h) => void h.sections.push({ ...h.sections.at(-1)!, offset: h.sections.at(-1)!.offset + 8 * h.sections.at(-1)!.length })), /section movieFactors appears twice/],
    ['a missing section', editHeader(dense, (h) => void (h.sections = h.sections.filter((s) => s.name !== 'catalog'))), /section catalog \(utf8\) is missing/],
    ['a section of the other similarity kind', editHeader(dense, (h) => void (entry(h, 'contentDense').name = 'contentSim')), /section contentSim does not belong in a model with dense similarity and no candidate pools/],
    ['more ratings than the header counts', editHeader(dense, (h) => void (h.numRatings = (h.numRatings as number) - 1)), /section colIdx has \d+ entries, expected \d+ \(the header’s numRatings\)/],
    ['a truncated body', withBodyLength(dense, 1000), /section \w+ .* runs past the end of the 1000-byte body/],
    ['row pointers not starting at 0', editSection(dense, 'rowPtr', (p) => void (p[0] = -1)), /rowPtr starts at -1, not 0/],
    ['row pointers that decrease', editSection(dense, 'rowPtr', (p) => void (p[1] = p[2]! + 1)), /rowPtr decreases at entry 2/],
    ['a row pointer that reaches past the ratings', editSection(dense, 'rowPtr', (p) => void (p[p.length - 2] = 2 ** 31 - 1)), /rowPtr decreases at entry 60/],
    ['a movie index out of range', editSection(dense, 'colIdx', (c) => void (c[0] = numMovies)), new RegExp(`colIdx\\[0\\] = ${numMovies} is outside 0\\.\\.${numMovies - 1}`)],
    ['a matrix row out of order', editSection(dense, 'colIdx', (c) => void ([c[0], c[1]] = [c[1]!, c[0]!])), /colIdx\[1\] = \d+ is not above the entry before it: row 0 is not in ascending order/],
    ['a NaN rating', editSection(dense, 'values', (v) => void (v[0] = NaN)), /values\[0\] = NaN is not a finite number within \[0, 1000000\]/],
    ['a rating off any scale', editSection(dense, 'values', (v) => void (v[3] = 1e30)), /values\[3\] = 1\.0\d*e\+30 is not a finite number within \[0, 1000000\]/],
    ['a negative rating', editSection(dense, 'values', (v) => void (v[4] = -7)), /values\[4\] = -7 is not a finite number within \[0, 1000000\]/],
    ['an infinite user bias', editSection(dense, 'userBias', (v) => void (v[2] = -Infinity)), /userBias\[2\] = -Infinity/],
    ['an infinite similarity', editSection(dense, 'contentDense', (v) => void (v[5] = Infinity)), /contentDense\[5\] = Infinity is not a finite number/],
    ['repeated user ids', editSection(dense, 'userIds', (u) => void (u[1] = u[0]!)), /user ids are not distinct/],
    ['a catalog that is not JSON', editSection(dense, 'catalog', (c) => void (c[0] = 0x7b)), /catalog is not valid UTF-8 JSON/],
    ['a catalog year that is not a number', editSection(dense, 'catalog', (c) => c.set(new TextEncoder().encode('[["a",[],"1999",null]]'.padEnd(c.length)))), /catalog: 0\.2: Invalid input: expected number, received string/],
    ['neighbour pointers that decrease', editSection(pooled, 'contentPtr', (p) => void (p[3] = p[4]! + 1)), /contentPtr decreases at entry 4/],
    ['a neighbour listed twice', editSection(pooled, 'contentIdx', (c) => void (c[1] = c[0]!)), /contentIdx\[1\] = \d+ appears twice in list 0/],
    ['candidate pointers that end early', editSection(pooled, 'candidatePtr', (p) => void (p[p.length - 1] = p[p.length - 1]! - 1)), /candidatePtr ends at \d+, not at the \d+ entries of candidateItems/],
    ['a candidate movie out of range', editSection(pooled, 'candidateItems', (c) => void (c[0] = -1)), /candidateItems\[0\] = -1 is outside/],
    ['an infinite candidate recall score', editSection(pooled, 'candidateRecall', (c) => void (c[0] = NaN)), /candidateRecall\[0\] = NaN/],
    ['evidence naming no movie', editSection(pooled, 'candidateEvidence', (e) => void (e[0] = -(numMovies + 1))), new RegExp(`candidateEvidence\\[0\\] = -${numMovies + 1} is neither a rating nor a movie index`)],
    ['an item-cf neighbour out of range', editSection(dense, 'itemCfIdx', (c) => void (c[0] = numMovies)), new RegExp(`itemCfIdx\\[0\\] = ${numMovies} is outside 0\\.\\.${numMovies - 1}`)],
    ['an item-cf neighbour listed twice', editSection(dense, 'itemCfIdx', (c) => void (c[1] = c[0]!)), /itemCfIdx\[1\] = \d+ appears twice in list 0/],
    ['an infinite item-cf weight', editSection(dense, 'itemCfWeight', (w) => void (w[2] = -Infinity)), /itemCfWeight\[2\] = -Infinity is not a finite number/],
    ['item-cf pointers past their list', editSection(dense, 'itemCfPtr', (p) => void (p[p.length - 1] = p[p.length - 1]! + 1)), /itemCfPtr ends at \d+, not at the \d+ entries of itemCfIdx/],
    ['an infinite ALS factor', editSection(pooled, 'movieFactors', (v) => void (v[3] = Infinity)), /movieFactors\[3\] = Infinity is not a finite number within \[-1000000, 1000000\]/],
    ['ALS factors of a hybrid that does not weigh ALS', editHeader(pooled, (h) => void ((h.params as { hybridWeights: { als: number } }).hybridWeights.als = 0)), /section movieFactors has \d+ entries, expected 0 \(numMovies × 0 ALS factors\)/],
    ['more ALS factors per movie than the section holds', editHeader(pooled, (h) => void ((h.params as { als: { factors: number } }).als.factors = 5)), new RegExp(`section movieFactors has ${numMovies * 4} entries, expected ${numMovies * 5}`)],
    ['an ALS system larger than serving allocates', editHeader(pooled, (h) => void ((h.params as { als: { factors: number } }).als.factors = 100_000)), /header: params\.als\.factors: Too big/],
    ['no ALS regularisation', editHeader(pooled, (h) => void ((h.params as { als: { regularisation: number } }).als.regularisation = 0)), /header: params\.als\.regularisation: Too small/],
    ['fractional evidence below 0', editSection(pooled, 'candidateEvidence', (e) => void (e[0] = -1.5)), /candidateEvidence\[0\] = -1\.5/],
  ];

  for (const [problem, bytes, message] of cases) {
    it(`refuses ${problem}, copying and as views into shared memory`, () => {
      for (const decode of [() => deserializeCore(bytes), () => deserializeCore(inSharedMemory(bytes), { views: true })]) {
        assert.throws(decode, (e: unknown) => e instanceof ArtifactError && message.test(e.message), `expected an ArtifactError matching ${message}`);
      }
    });
  }

  it('still decodes the untouched artifacts both ways', () => {
    for (const bytes of [dense, pooled]) {
      assert.ok(deserializeCore(bytes).core.matrix.numUsers === 60);
      assert.ok(deserializeCore(inSharedMemory(bytes), { views: true }).core.matrix.numUsers === 60);
    }
  });
});


import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { CandidateLists } from './candidates';
import type { ContentSimilarity } from './content';
import { ArtifactError } from './errors';
import type { HybridParams, ModelCore } from './hybrid';
import { HybridRecommender, methods } from './hybrid';
import { IdIndex } from './id-index';
import { withTranspose } from './matrix';
import type { Movie } from './types';

/**
 * Model artifact, a versioned binary format:
 *
 *   offset 0   4 bytes  magic "MRMB"
 *          4   u16      format version
 *          6   u16      0 (reserved)
 *          8   u32      header length H (bytes of UTF-8 JSON)
 *         12   u64      body length B
 *         20   u32      CRC-32 of the H + padding + B bytes that follow
 *         24   H bytes  header JSON: format version, snapshot id, created_at, parameters, counts,
 *                       the baseline mean, and the section table [{name, type, offset, length}]
 *              padding to a multiple of 8
 *              B bytes  body: typed-array sections (little-endian), each at an 8-byte aligned offset
 *
 * Sections: user ids, movie ids, CSR row pointers / movie indices / ratings, user and movie biases,
 * the content similarity (dense or top-K lists), item-cf's neighbour table, ALS's movie factors (empty
 * when the hybrid does not weigh ALS), the catalog as UTF-8 JSON and, when the batch
 * precomputed them, the candidate pools per user and method. The movie → users index, quality
 * scores and scratch buffers are rebuilt on load (linear time).
 *
 * A checksum only proves the bytes are the ones written, not that whoever wrote them wrote a model:
 * decoding checks everything serving relies on (see `deserializeCore`), so that a decoded model never
 * reads outside its arrays, loops past them or allocates more than its sections justify.
 */
export const artifactFormatVersion = 6;
const magic = 'MRMB';
const prefixLength = 24;
/** The largest length of an Int32Array-indexed structure: pointers and indices are int32. */
const maxInt32 = 2 ** 31 - 1;
/**
 * Ratings, biases and the mean are on a rating scale; anything beyond ±10^6 is not a fitted model.
 * Within it, ratings centred on μ + b_u + b_i stay finite in float32, and the similarity sums over them
 * finite in float64.
 */
const maxRatingMagnitude = 1e6;
const biasBounds = { min: -maxRatingMagnitude, max: maxRatingMagnitude };
/** The year features' weight is relative to a genre's (1); within this bound the TF-IDF norms stay finite. */
const maxYearWeight = 1e6;
/** Each year width adds one feature to every movie when the content vectors are rebuilt on load. */
const maxYearWidths = 16;
/** ALS's factors per movie: serving allocates a k × k system per recommender, and solves it per request. */
const maxAlsFactors = 1024;
/** Within this bound ALS's k × k system (a sum over at most 2^31 movies of products of factors) stays finite. */
const maxFactorMagnitude = 1e6;

export interface ArtifactMetadata {
  snapshotId: string;
  createdAt?: string;
}

type SectionType = 'i32' | 'f32' | 'utf8';

/** Every section an artifact may hold, with its element type. */
const sectionTypes = {
  userIds: 'i32',
  movieIds: 'i32',
  rowPtr: 'i32',
  colIdx: 'i32',
  values: 'f32',
  userBias: 'f32',
  itemBias: 'f32',
  catalog: 'utf8',
  contentDense: 'f32',
  contentPtr: 'i32',
  contentIdx: 'i32',
  contentSim: 'f32',
  itemCfPtr: 'i32',
  itemCfIdx: 'i32',
  itemCfWeight: 'f32',
  movieFactors: 'f32',
  candidatePtr: 'i32',
  candidateItems: 'i32',
  candidateRecall: 'f32',
  candidateEvidence: 'f32',
} as const satisfies Record<string, SectionType>;
type SectionName = keyof typeof sectionTypes;
const sectionNames = Object.keys(sectionTypes) as SectionName[];

type SectionData = Int32Array | Float32Array | Uint8Array;
type SectionArray<N extends SectionName> = { i32: Int32Array; f32: Float32Array; utf8: Uint8Array }[(typeof sectionTypes)[N]];

interface SectionEntry {
  name: SectionName;
  type: SectionType;
  /** Bytes from the start of the body. */
  offset: number;
  /** Elements, not bytes. */
  length: number;
}

export interface ArtifactHeader {
  formatVersion: number;
  snapshotId: string;
  createdAt: string;
  params: HybridParams;
  numUsers: number;
  numMovies: number;
  numRatings: number;
  globalMean: number;
  content: ContentSimilarity['kind'];
  /** The candidate pools' shape, when the artifact carries them. */
  candidates: { firstUser: number; numUsers: number; numMethods: number } | null;
  sections: SectionEntry[];
}

/** Sizes, k's, offsets and lengths (zod's int() is also a safe integer). */
const nonNegativeInt = z.int().min(0);
/** Thresholds, shrinkage, regularisation. */
const nonNegative = z.number().min(0);
const fraction = z.number().min(0).max(1);
/** Users, movies, ratings: counts of int32-indexed arrays. */
const indexCount = z.int().min(0).max(maxInt32);
const ratingMagnitude = z.number().min(-maxRatingMagnitude).max(maxRatingMagnitude);

/**
 * Every parameter, in range: serving divides by sums with the shrinkage, regularisation and prior
 * weight, so none may be negative (a zero prior weight would make an unrated movie's mean 0/0); the
 * default quality weight is a request's, which must be within [0, 1]; and neighbours must be similar
 * (threshold ≥ 0), as a reason's "similar users rated it" is their weighted rating, which negative
 * weights could turn negative, the encoding of a liked movie's index.
 */
const paramsSchema = z.strictObject({
  userCf: z.strictObject({
    centring: z.enum(['none', 'user-mean', 'baseline']),
    similarityThreshold: nonNegative,
    minCoRated: nonNegative,
    shrinkage: nonNegative,
    overlapWeighting: z.boolean(),
    maxNeighbours: nonNegativeInt,
    recallNeighbours: nonNegativeInt,
    maxRatersScanned: nonNegativeInt,
    rescoredNeighbours: nonNegativeInt,
  }),
  content: z.strictObject({
    denseMaxMovies: nonNegativeInt,
    neighboursPerMovie: nonNegativeInt,
    yearWidths: z.array(z.int().min(1)).max(maxYearWidths),
    yearWeight: z.number().min(0).max(maxYearWeight),
    // A power of a prior within [0, 1]: finite for any non-negative exponent.
    popularityExponent: nonNegative,
  }),
  itemCf: z.strictObject({ neighbours: nonNegativeInt, easeMaxMovies: nonNegativeInt, easeLambda: z.number().positive(), alpha: nonNegative, beta: nonNegative }),
  baseline: z.strictObject({ regUser: nonNegative, regItem: nonNegative, epochs: nonNegativeInt }),
  // λ > 0 keeps every user's ALS system positive definite, so its Cholesky solve never meets a zero pivot.
  als: z.strictObject({
    factors: z.int().min(0).max(maxAlsFactors),
    regularisation: z.number().positive(),
    confidence: nonNegative,
    epochs: nonNegativeInt,
    conjugateGradientSteps: nonNegativeInt,
  }),
  hybridWeights: z.strictObject({ userCf: nonNegative, itemCf: nonNegative, content: nonNegative, als: nonNegative }),
  predictionUserWeight: fraction,
  candidatePool: nonNegativeInt,
  minCandidateRatings: nonNegative,
  hybridMinCandidateRatings: nonNegative,
  minUserRatings: nonNegative,
  priorWeight: z.number().positive(),
  qualityWeight: fraction,
}) satisfies z.ZodType<HybridParams>;

const headerSchema = z.strictObject({
  formatVersion: z.literal(artifactFormatVersion),
  snapshotId: z.string(),
  createdAt: z.string(),
  params: paramsSchema,
  numUsers: indexCount,
  numMovies: indexCount,
  numRatings: indexCount,
  globalMean: ratingMagnitude,
  content: z.enum(['dense', 'top-k']),
  candidates: z.strictObject({ firstUser: indexCount, numUsers: indexCount, numMethods: z.literal(methods.length) }).nullable(),
  sections: z
    .array(z.strictObject({ name: z.enum(sectionNames), type: z.enum(['i32', 'f32', 'utf8']), offset: nonNegativeInt, length: nonNegativeInt }))
    .max(sectionNames.length),
}) satisfies z.ZodType<ArtifactHeader>;

/** Per movie: title, genres, year, tags. */
const catalogSchema = z.array(z.tuple([z.string(), z.array(z.string()), z.int().nullable(), z.array(z.string()).nullable()]));

/** Rounds up to a multiple of 8 with arithmetic, not bit operations, which would wrap at 2^31. */
function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function widthOf(type: SectionType): number {
  return type === 'utf8' ? 1 : 4;
}

/** A fitted model (or its core, with the candidate pools when there are any) as artifact bytes. */
export function serialize(model: HybridRecommender | (ModelCore & { candidates?: CandidateLists }), metadata: ArtifactMetadata): Uint8Array {
  const { matrix, baselines, content, itemNeighbours, movieFactors, catalog, candidates, params } = model instanceof HybridRecommender ? model.state : model;
  const sections: [SectionName, SectionData][] = [
    ['userIds', matrix.userIds],
    ['movieIds', matrix.movieIds],
    ['rowPtr', matrix.rowPtr],
    ['colIdx', matrix.colIdx],
    ['values', matrix.values],
    ['userBias', baselines.userBias],
    ['itemBias', baselines.itemBias],
    ['catalog', new TextEncoder().encode(JSON.stringify(catalog.map((m) => [m.title, m.genres, m.year ?? null, m.tags ?? null])))],
  ];
  if (content.kind === 'dense') sections.push(['contentDense', content.values]);
  else sections.push(['contentPtr', content.ptr], ['contentIdx', content.idx], ['contentSim', content.sim]);
  sections.push(['itemCfPtr', itemNeighbours.ptr], ['itemCfIdx', itemNeighbours.idx], ['itemCfWeight', itemNeighbours.weight]);
  sections.push(['movieFactors', movieFactors.values]);
  if (candidates) {
    sections.push(['candidatePtr', candidates.ptr], ['candidateItems', candidates.items], ['candidateRecall', candidates.recallScore], ['candidateEvidence', candidates.evidence]);
  }

  const table: SectionEntry[] = [];
  let bodyLength = 0;
  for (const [name, data] of sections) {
    table.push({ name, type: sectionTypes[name], offset: bodyLength, length: data.length });
    bodyLength = align8(bodyLength + data.byteLength);
  }
  const header: ArtifactHeader = {
    formatVersion: artifactFormatVersion,
    snapshotId: metadata.snapshotId,
    createdAt: metadata.createdAt ?? new Date().toISOString(),
    params,
    numUsers: matrix.numUsers,
    numMovies: matrix.numMovies,
    numRatings: matrix.colIdx.length,
    globalMean: baselines.globalMean,
    content: content.kind,
    candidates: candidates ? { firstUser: candidates.firstUser, numUsers: candidates.numUsers, numMethods: candidates.numMethods } : null,
    sections: table,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const bodyStart = prefixLength + align8(headerBytes.length);
  const out = new Uint8Array(bodyStart + bodyLength);
  out.set(headerBytes, prefixLength);
  sections.forEach(([, data], s) => {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), bodyStart + table[s]!.offset);
  });
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = magic.charCodeAt(i);
  view.setUint16(4, artifactFormatVersion, true);
  view.setUint32(8, headerBytes.length, true);
  view.setBigUint64(12, BigInt(bodyLength), true);
  view.setUint32(20, crc32(out.subarray(prefixLength)), true);
  return out;
}

/** Reads only the header (no checksum over the body): for manifests and listings. */
export function readArtifactHeader(bytes: Uint8Array): ArtifactHeader {
  return parseHeader(readFrame(bytes));
}

interface Frame {
  bytes: Uint8Array;
  headerLength: number;
  bodyStart: number;
  bodyLength: number;
}

/** The fixed prefix: magic, version, and lengths that account for every byte of `bytes`. */
function readFrame(bytes: Uint8Array): Frame {
  if (bytes.length < prefixLength) throw new ArtifactError(`truncated: ${bytes.length} bytes is shorter than the ${prefixLength}-byte prefix`);
  const found = String.fromCharCode(...bytes.subarray(0, 4));
  if (found !== magic) throw new ArtifactError(`not a movie-rec model (magic ${JSON.stringify(found)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== artifactFormatVersion) throw new ArtifactError(`format version ${version} is not supported (this code reads ${artifactFormatVersion})`);
  const reserved = view.getUint16(6, true);
  if (reserved !== 0) throw new ArtifactError(`reserved prefix field is ${reserved}, not 0`);
  const headerLength = view.getUint32(8, true);
  const bodyStart = prefixLength + align8(headerLength);
  // u64 arithmetic: a body length near 2^64 must not round to a plausible number.
  const expected = BigInt(bodyStart) + view.getBigUint64(12, true);
  if (BigInt(bytes.length) !== expected) {
    throw new ArtifactError(`${BigInt(bytes.length) < expected ? 'truncated' : 'trailing bytes'}: expected ${expected} bytes, got ${bytes.length}`);
  }
  return { bytes, headerLength, bodyStart, bodyLength: bytes.length - bodyStart };
}

/** zod's first few complaints, each with where in the value it is. */
function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
  return shown.join('; ') + (error.issues.length > shown.length ? ` (and ${error.issues.length - shown.length} more)` : '');
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ArtifactError(`${what} is not valid UTF-8 JSON`);
  }
}

function parseHeader({ bytes, headerLength }: Frame): ArtifactHeader {
  const parsed = headerSchema.safeParse(parseJson(bytes.subarray(prefixLength, prefixLength + headerLength), 'header'));
  if (!parsed.success) throw new ArtifactError(`header: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export function deserialize(bytes: Uint8Array): HybridRecommender {
  const { core, candidates } = deserializeCore(bytes);
  return HybridRecommender.fromCore(core, candidates);
}

/** The sections a model of this header's shape consists of, no more and no fewer. */
function expectedSections(header: ArtifactHeader): Set<SectionName> {
  const names: SectionName[] = ['userIds', 'movieIds', 'rowPtr', 'colIdx', 'values', 'userBias', 'itemBias', 'catalog'];
  if (header.content === 'dense') names.push('contentDense');
  else names.push('contentPtr', 'contentIdx', 'contentSim');
  names.push('itemCfPtr', 'itemCfIdx', 'itemCfWeight', 'movieFactors');
  if (header.candidates) names.push('candidatePtr', 'candidateItems', 'candidateRecall', 'candidateEvidence');
  return new Set(names);
}

/**
 * The section table checked against the body: exactly the expected sections, each once, of its type,
 * in body order without overlap, 8-byte aligned and wholly inside the body.
 */
function checkSectionTable(header: ArtifactHeader, bodyLength: number): Map<SectionName, SectionEntry> {
  const expected = expectedSections(header);
  const entries = new Map<SectionName, SectionEntry>();
  let previousEnd = 0;
  for (const entry of header.sections) {
    const { name, type, offset, length } = entry;
    if (entries.has(name)) throw new ArtifactError(`section ${name} appears twice`);
    if (!expected.has(name)) throw new ArtifactError(`section ${name} does not belong in a model with ${header.content} similarity${header.candidates ? '' : ' and no candidate pools'}`);
    if (type !== sectionTypes[name]) throw new ArtifactError(`section ${name} has type ${type}, expected ${sectionTypes[name]}`);
    if (offset % 8 !== 0) throw new ArtifactError(`section ${name} starts at body offset ${offset}, which is not 8-byte aligned`);
    if (offset < previousEnd) throw new ArtifactError(`section ${name} starts at body offset ${offset}, before the end (${previousEnd}) of the section before it`);
    const width = widthOf(type);
    // Divides instead of multiplying: offset + length × width can exceed 2^53 and round.
    if (length > (bodyLength - offset) / width) throw new ArtifactError(`section ${name} (${length} × ${width} bytes at body offset ${offset}) runs past the end of the ${bodyLength}-byte body`);
    previousEnd = offset + length * width;
    entries.set(name, entry);
  }
  for (const name of expected) if (!entries.has(name)) throw new ArtifactError(`section ${name} (${sectionTypes[name]}) is missing`);
  return entries;
}

/** `ptr` delimits `rows` lists of a `total`-long array: rows + 1 entries from 0 to total, never decreasing. */
function checkPointers(name: string, ptr: Int32Array, rows: number, total: number, totalName: string): void {
  if (ptr.length !== rows + 1) throw new ArtifactError(`${name} has ${ptr.length} entries, expected ${rows + 1}`);
  if (ptr[0] !== 0) throw new ArtifactError(`${name} starts at ${ptr[0]}, not 0`);
  for (let r = 0; r < rows; r++) {
    if (ptr[r + 1]! < ptr[r]!) throw new ArtifactError(`${name} decreases at entry ${r + 1} (${ptr[r]} → ${ptr[r + 1]})`);
  }
  if (ptr[rows] !== total) throw new ArtifactError(`${name} ends at ${ptr[rows]}, not at the ${total} entries of ${totalName}`);
}

/**
 * Every list of `indices` (delimited by checked pointers) holds indices within 0 .. limit − 1, each
 * once: serving marks them in per-movie buffers of `limit` entries and a repeat would overrun them.
 * `ascending` also requires increasing order, as a matrix row is sorted by movie index.
 */
function checkLists(name: string, ptr: Int32Array, indices: Int32Array, limit: number, order: 'ascending' | 'distinct'): void {
  const marked = order === 'distinct' ? new Uint8Array(limit) : undefined;
  for (let r = 0; r + 1 < ptr.length; r++) {
    const start = ptr[r]!;
    const end = ptr[r + 1]!;
    for (let k = start; k < end; k++) {
      const i = indices[k]!;
      if (i < 0 || i >= limit) throw new ArtifactError(`${name}[${k}] = ${i} is outside 0..${limit - 1}`);
      if (marked) {
        if (marked[i] === 1) throw new ArtifactError(`${name}[${k}] = ${i} appears twice in list ${r}`);
        marked[i] = 1;
      } else if (k > start && i <= indices[k - 1]!) {
        throw new ArtifactError(`${name}[${k}] = ${i} is not above the entry before it: row ${r} is not in ascending order`);
      }
    }
    if (marked) for (let k = start; k < end; k++) marked[indices[k]!] = 0;
  }
}

/** Every value finite and, when bounds are given, within [min, max]. */
function checkFinite(name: string, values: Float32Array, bounds?: { min: number; max: number }): void {
  const { min, max } = bounds ?? { min: -Infinity, max: Infinity };
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isFinite(v) || v < min || v > max) throw new ArtifactError(`${name}[${k}] = ${v} is not a finite number${bounds ? ` within [${min}, ${max}]` : ''}`);
  }
}

function checkDistinctIds(name: string, index: IdIndex): void {
  const ids = index.sortedIds;
  for (let k = 1; k < ids.length; k++) if (ids[k - 1] === ids[k]) throw new ArtifactError(`${name} are not distinct (${ids[k]} repeats)`);
}

/**
 * The artifact's contents, checked, without the state serving derives from them (see `deriveState`).
 * Sections are copied out of `bytes`, unless `views` is set: then they are views into `bytes` (which
 * must be 8-byte aligned, e.g. the whole of a SharedArrayBuffer the model's threads will share), so the
 * artifact's memory is the model's and nothing is copied; the checks then hold only as long as nobody
 * writes to `bytes`.
 *
 * Anything that does not make a model serving can use throws an `ArtifactError` naming it: the header
 * against its schema (every parameter in range), the section table (see `checkSectionTable`), every
 * section's length against the header's counts, pointer arrays (from 0 to their list's length, never
 * decreasing), every index within its range and each list's indices distinct (matrix rows ascending),
 * ratings within [0, 10^6], biases and ALS's factors within ±10^6, similarities and recall scores
 * finite, the catalog's shape, and the candidates' evidence naming a real movie.
 */
export function deserializeCore(bytes: Uint8Array, options: { views?: boolean } = {}): { core: ModelCore; candidates?: CandidateLists } {
  if (options.views && bytes.byteOffset % 8 !== 0) throw new RangeError('views need bytes at an 8-byte aligned offset');
  const frame = readFrame(bytes);
  const expectedCrc = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(20, true);
  if (crc32(bytes.subarray(prefixLength)) !== expectedCrc) throw new ArtifactError('checksum mismatch: the artifact is corrupt');
  const header = parseHeader(frame);
  const { bodyStart, bodyLength } = frame;
  const table = checkSectionTable(header, bodyLength);

  const section = <N extends SectionName>(name: N): SectionArray<N> => {
    const { type, offset, length } = table.get(name)!;
    const begin = bodyStart + offset;
    const end = begin + length * widthOf(type);
    let data: SectionData;
    if (options.views) {
      const at = bytes.byteOffset + begin;
      // Text is copied: TextDecoder does not read shared memory.
      data = type === 'i32' ? new Int32Array(bytes.buffer, at, length) : type === 'f32' ? new Float32Array(bytes.buffer, at, length) : bytes.slice(begin, end);
    } else {
      // Copy: the input's byte offset need not be aligned for a typed-array view.
      const raw = bytes.slice(begin, end);
      data = type === 'i32' ? new Int32Array(raw.buffer) : type === 'f32' ? new Float32Array(raw.buffer) : raw;
    }
    return data as SectionArray<N>;
  };
  const expectLength = (name: SectionName, actual: number, expected: number, what: string): void => {
    if (actual !== expected) throw new ArtifactError(`section ${name} has ${actual} entries, expected ${expected} (${what})`);
  };

  const { numUsers, numMovies, numRatings } = header;
  /** Per-movie neighbour lists (CSR): pointers over the movies, distinct movie indices, finite weights. */
  const neighbourLists = (ptrName: 'contentPtr' | 'itemCfPtr', idxName: 'contentIdx' | 'itemCfIdx', weightName: 'contentSim' | 'itemCfWeight') => {
    const ptr = section(ptrName);
    const idx = section(idxName);
    const weight = section(weightName);
    expectLength(weightName, weight.length, idx.length, `one per ${idxName} entry`);
    checkPointers(ptrName, ptr, numMovies, idx.length, idxName);
    checkLists(idxName, ptr, idx, numMovies, 'distinct');
    checkFinite(weightName, weight);
    return { ptr, idx, weight };
  };
  const userIds = section('userIds');
  const movieIds = section('movieIds');
  const rowPtr = section('rowPtr');
  const colIdx = section('colIdx');
  const values = section('values');
  expectLength('userIds', userIds.length, numUsers, 'the header’s numUsers');
  expectLength('movieIds', movieIds.length, numMovies, 'the header’s numMovies');
  expectLength('colIdx', colIdx.length, numRatings, 'the header’s numRatings');
  expectLength('values', values.length, numRatings, 'the header’s numRatings');
  checkPointers('rowPtr', rowPtr, numUsers, numRatings, 'colIdx');
  checkLists('colIdx', rowPtr, colIdx, numMovies, 'ascending');
  // Not negative: a reason's weighted rating of similar users is ≥ 0, a negative one names a liked movie.
  checkFinite('values', values, { min: 0, max: maxRatingMagnitude });
  const userBias = section('userBias');
  const itemBias = section('itemBias');
  expectLength('userBias', userBias.length, numUsers, 'one per user');
  expectLength('itemBias', itemBias.length, numMovies, 'one per movie');
  checkFinite('userBias', userBias, biasBounds);
  checkFinite('itemBias', itemBias, biasBounds);

  const rawCatalog = catalogSchema.safeParse(parseJson(section('catalog'), 'catalog'));
  if (!rawCatalog.success) throw new ArtifactError(`catalog: ${describeIssues(rawCatalog.error)}`);
  if (rawCatalog.data.length !== numMovies) throw new ArtifactError(`catalog has ${rawCatalog.data.length} movies, the header's numMovies is ${numMovies}`);
  const catalog: Movie[] = rawCatalog.data.map(([title, genres, year, tags], i) => {
    const movie: Movie = { movieId: movieIds[i]!, title, genres };
    if (year !== null) movie.year = year;
    if (tags !== null) movie.tags = tags;
    return movie;
  });

  let content: ContentSimilarity;
  if (header.content === 'dense') {
    const dense = section('contentDense');
    expectLength('contentDense', dense.length, numMovies * numMovies, 'numMovies²');
    checkFinite('contentDense', dense);
    content = { kind: 'dense', n: numMovies, values: dense };
  } else {
    const { ptr, idx, weight: sim } = neighbourLists('contentPtr', 'contentIdx', 'contentSim');
    content = { kind: 'top-k', n: numMovies, ptr, idx, sim };
  }
  const itemNeighbours = neighbourLists('itemCfPtr', 'itemCfIdx', 'itemCfWeight');
  // ALS's factors are fitted when the hybrid weighs ALS, and only then.
  const factors = header.params.hybridWeights.als > 0 ? header.params.als.factors : 0;
  const movieFactorValues = section('movieFactors');
  expectLength('movieFactors', movieFactorValues.length, numMovies * factors, `numMovies × ${factors} ALS factors`);
  checkFinite('movieFactors', movieFactorValues, { min: -maxFactorMagnitude, max: maxFactorMagnitude });

  const userIndex = IdIndex.of(userIds);
  const movieIndex = IdIndex.of(movieIds);
  checkDistinctIds('user ids', userIndex);
  checkDistinctIds('movie ids', movieIndex);
  const matrix = withTranspose({ numUsers, numMovies, userIds, movieIds, userIndex, movieIndex, rowPtr, colIdx, values });
  const core: ModelCore = {
    matrix,
    baselines: { globalMean: header.globalMean, userBias, itemBias },
    content,
    itemNeighbours,
    movieFactors: { factors, values: movieFactorValues },
    catalog,
    params: header.params,
  };
  if (!header.candidates) return { core };
  return { core, candidates: readCandidates(header.candidates, numUsers, numMovies, section) };
}

function readCandidates(
  shape: NonNullable<ArtifactHeader['candidates']>,
  numUsers: number,
  numMovies: number,
  section: <N extends SectionName>(name: N) => SectionArray<N>,
): CandidateLists {
  const { firstUser, numUsers: covered, numMethods } = shape;
  if (firstUser + covered > numUsers) throw new ArtifactError(`candidate pools cover users ${firstUser}..${firstUser + covered - 1}, the model has ${numUsers}`);
  const ptr = section('candidatePtr');
  const items = section('candidateItems');
  const recallScore = section('candidateRecall');
  const evidence = section('candidateEvidence');
  checkPointers('candidatePtr', ptr, covered * numMethods, items.length, 'candidateItems');
  if (recallScore.length !== items.length || evidence.length !== items.length) {
    throw new ArtifactError(`candidateRecall and candidateEvidence have ${recallScore.length} and ${evidence.length} entries, expected ${items.length} (one per candidateItems entry)`);
  }
  checkLists('candidateItems', ptr, items, numMovies, 'distinct');
  checkFinite('candidateRecall', recallScore);
  for (let k = 0; k < evidence.length; k++) {
    const e = evidence[k]!;
    // ≥ 0: a weighted rating; < 0: −(1 + the liked movie's index), which the reason looks up.
    const valid = e >= 0 ? Number.isFinite(e) : Number.isInteger(-e - 1) && -e - 1 < numMovies;
    if (!valid) throw new ArtifactError(`candidateEvidence[${k}] = ${e} is neither a rating nor a movie index`);
  }
  return { firstUser, numUsers: covered, numMethods, ptr, items, recallScore, evidence };
}

import { crc32 } from 'node:zlib';
import type { CandidateLists } from './candidates';
import type { ContentSimilarity } from './content';
import { ArtifactError } from './errors';
import type { HybridParams, ModelCore } from './hybrid';
import { HybridRecommender, mergeParams } from './hybrid';
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
 * the content similarity (dense or top-K lists), the catalog as UTF-8 JSON and, when the batch
 * precomputed them, the candidate pools per user and method. The movie → users index, quality
 * scores and scratch buffers are rebuilt on load (linear time).
 */
export const artifactFormatVersion = 3;
const magic = 'MRMB';
const prefixLength = 24;

export interface ArtifactMetadata {
  snapshotId: string;
  createdAt?: string;
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

type SectionType = 'i32' | 'f32' | 'utf8';
interface SectionEntry {
  name: string;
  type: SectionType;
  offset: number;
  length: number;
}

type SectionData = Int32Array | Float32Array | Uint8Array;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** A fitted model (or its core, with the candidate pools when there are any) as artifact bytes. */
export function serialize(model: HybridRecommender | (ModelCore & { candidates?: CandidateLists }), metadata: ArtifactMetadata): Uint8Array {
  const { matrix, baselines, content, catalog, candidates, params } = model instanceof HybridRecommender ? model.state : model;
  const sections: [string, SectionType, SectionData][] = [
    ['userIds', 'i32', matrix.userIds],
    ['movieIds', 'i32', matrix.movieIds],
    ['rowPtr', 'i32', matrix.rowPtr],
    ['colIdx', 'i32', matrix.colIdx],
    ['values', 'f32', matrix.values],
    ['userBias', 'f32', baselines.userBias],
    ['itemBias', 'f32', baselines.itemBias],
    ['catalog', 'utf8', new TextEncoder().encode(JSON.stringify(catalog.map((m) => [m.title, m.genres, m.year ?? null, m.tags ?? null])))],
  ];
  if (content.kind === 'dense') sections.push(['contentDense', 'f32', content.values]);
  else sections.push(['contentPtr', 'i32', content.ptr], ['contentIdx', 'i32', content.idx], ['contentSim', 'f32', content.sim]);
  if (candidates) {
    sections.push(['candidatePtr', 'i32', candidates.ptr], ['candidateItems', 'i32', candidates.items], ['candidateRecall', 'f32', candidates.recallScore], ['candidateEvidence', 'f32', candidates.evidence]);
  }

  const table: SectionEntry[] = [];
  let bodyLength = 0;
  for (const [name, type, data] of sections) {
    table.push({ name, type, offset: bodyLength, length: data.length });
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
  sections.forEach(([, , data], s) => {
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
  return parseHeader(bytes).header;
}

function parseHeader(bytes: Uint8Array): { header: ArtifactHeader; bodyStart: number; bodyLength: number } {
  if (bytes.length < prefixLength) throw new ArtifactError(`truncated: ${bytes.length} bytes is shorter than the ${prefixLength}-byte prefix`);
  const found = String.fromCharCode(...bytes.subarray(0, 4));
  if (found !== magic) throw new ArtifactError(`not a movie-rec model (magic ${JSON.stringify(found)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== artifactFormatVersion) throw new ArtifactError(`format version ${version} is not supported (this code reads ${artifactFormatVersion})`);
  const headerLength = view.getUint32(8, true);
  const bodyLength = Number(view.getBigUint64(12, true));
  const bodyStart = prefixLength + align8(headerLength);
  if (bytes.length !== bodyStart + bodyLength) {
    throw new ArtifactError(`${bytes.length < bodyStart + bodyLength ? 'truncated' : 'trailing bytes'}: expected ${bodyStart + bodyLength} bytes, got ${bytes.length}`);
  }
  let header: ArtifactHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(prefixLength, prefixLength + headerLength))) as ArtifactHeader;
  } catch {
    throw new ArtifactError('header is not valid JSON');
  }
  return { header, bodyStart, bodyLength };
}

export function deserialize(bytes: Uint8Array): HybridRecommender {
  const { core, candidates } = deserializeCore(bytes);
  return HybridRecommender.fromCore(core, candidates);
}

/**
 * The artifact's contents, checked, without the state serving derives from them (see `deriveState`).
 * Sections are copied out of `bytes`, unless `views` is set: then they are views into `bytes` (which
 * must be 8-byte aligned, e.g. the whole of a SharedArrayBuffer the model's threads will share), so the
 * artifact's memory is the model's and nothing is copied.
 */
export function deserializeCore(bytes: Uint8Array, options: { views?: boolean } = {}): { core: ModelCore; candidates?: CandidateLists } {
  if (options.views && bytes.byteOffset % 8 !== 0) throw new RangeError('views need bytes at an 8-byte aligned offset');
  const { header, bodyStart, bodyLength } = parseHeader(bytes);
  const expected = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(20, true);
  if (crc32(bytes.subarray(prefixLength)) !== expected) throw new ArtifactError('checksum mismatch: the artifact is corrupt');
  if (!Array.isArray(header.sections)) throw new ArtifactError('header has no section table');

  const section = <T extends SectionType>(name: string, type: T): T extends 'i32' ? Int32Array : T extends 'f32' ? Float32Array : Uint8Array => {
    const entry = header.sections.find((s) => s.name === name);
    if (!entry || entry.type !== type) throw new ArtifactError(`section ${name} (${type}) is missing`);
    const width = type === 'utf8' ? 1 : 4;
    if (entry.offset % 8 !== 0 || entry.offset + entry.length * width > bodyLength) throw new ArtifactError(`section ${name} lies outside the body`);
    const begin = bodyStart + entry.offset;
    const end = begin + entry.length * width;
    let data: SectionData;
    if (options.views) {
      const at = bytes.byteOffset + begin;
      // Text is copied: TextDecoder does not read shared memory.
      data = type === 'i32' ? new Int32Array(bytes.buffer, at, entry.length) : type === 'f32' ? new Float32Array(bytes.buffer, at, entry.length) : bytes.slice(begin, end);
    } else {
      // Copy: the input's byte offset need not be aligned for a typed-array view.
      const raw = bytes.slice(begin, end);
      data = type === 'i32' ? new Int32Array(raw.buffer) : type === 'f32' ? new Float32Array(raw.buffer) : raw;
    }
    return data as T extends 'i32' ? Int32Array : T extends 'f32' ? Float32Array : Uint8Array;
  };

  const userIds = section('userIds', 'i32');
  const movieIds = section('movieIds', 'i32');
  const rowPtr = section('rowPtr', 'i32');
  const colIdx = section('colIdx', 'i32');
  const values = section('values', 'f32');
  const numUsers = userIds.length;
  const numMovies = movieIds.length;
  if (numUsers !== header.numUsers || numMovies !== header.numMovies || rowPtr.length !== numUsers + 1 || colIdx.length !== values.length) {
    throw new ArtifactError('section sizes do not match the header');
  }
  for (let u = 0; u < numUsers; u++) {
    if (rowPtr[u]! > rowPtr[u + 1]!) throw new ArtifactError('row pointers are not monotonic');
  }
  if (rowPtr[0] !== 0 || rowPtr[numUsers] !== colIdx.length) throw new ArtifactError('row pointers do not cover the ratings');
  for (const i of colIdx) if (i < 0 || i >= numMovies) throw new ArtifactError('a movie index is out of range');

  const rawCatalog = JSON.parse(new TextDecoder().decode(section('catalog', 'utf8'))) as [string, string[], number | null, string[] | null][];
  if (!Array.isArray(rawCatalog) || rawCatalog.length !== numMovies) throw new ArtifactError('catalog does not match the movie count');
  const catalog: Movie[] = rawCatalog.map(([title, genres, year, tags], i) => {
    const movie: Movie = { movieId: movieIds[i]!, title, genres };
    if (year !== null) movie.year = year;
    if (tags !== null) movie.tags = tags;
    return movie;
  });

  let content: ContentSimilarity;
  if (header.content === 'dense') {
    const dense = section('contentDense', 'f32');
    if (dense.length !== numMovies * numMovies) throw new ArtifactError('dense similarity has the wrong size');
    content = { kind: 'dense', n: numMovies, values: dense };
  } else {
    const ptr = section('contentPtr', 'i32');
    const idx = section('contentIdx', 'i32');
    const sim = section('contentSim', 'f32');
    if (ptr.length !== numMovies + 1 || idx.length !== sim.length || ptr[numMovies] !== idx.length) throw new ArtifactError('similarity lists have the wrong size');
    for (const j of idx) if (j < 0 || j >= numMovies) throw new ArtifactError('a neighbour index is out of range');
    content = { kind: 'top-k', n: numMovies, ptr, idx, sim };
  }

  const userIndex = IdIndex.of(userIds);
  const movieIndex = IdIndex.of(movieIds);
  for (let k = 1; k < numUsers; k++) if (userIndex.sortedIds[k - 1] === userIndex.sortedIds[k]) throw new ArtifactError('user ids are not distinct');
  for (let k = 1; k < numMovies; k++) if (movieIndex.sortedIds[k - 1] === movieIndex.sortedIds[k]) throw new ArtifactError('movie ids are not distinct');
  const matrix = withTranspose({ numUsers, numMovies, userIds, movieIds, userIndex, movieIndex, rowPtr, colIdx, values });
  const userBias = section('userBias', 'f32');
  const itemBias = section('itemBias', 'f32');
  if (userBias.length !== numUsers || itemBias.length !== numMovies) throw new ArtifactError('bias sections have the wrong size');
  const core: ModelCore = {
    matrix,
    baselines: { globalMean: header.globalMean, userBias, itemBias },
    content,
    catalog,
    params: mergeParams(header.params),
  };
  if (!header.candidates) return { core };
  return { core, candidates: readCandidates(header.candidates, numUsers, numMovies, section) };
}

function readCandidates(
  shape: NonNullable<ArtifactHeader['candidates']>,
  numUsers: number,
  numMovies: number,
  section: (name: string, type: 'i32' | 'f32') => Int32Array | Float32Array,
): CandidateLists {
  const { firstUser, numUsers: covered, numMethods } = shape;
  if (![firstUser, covered, numMethods].every(Number.isInteger) || firstUser < 0 || covered < 0 || firstUser + covered > numUsers || numMethods < 1) {
    throw new ArtifactError('candidate pools do not fit the model');
  }
  const ptr = section('candidatePtr', 'i32') as Int32Array;
  const items = section('candidateItems', 'i32') as Int32Array;
  const recallScore = section('candidateRecall', 'f32') as Float32Array;
  const evidence = section('candidateEvidence', 'f32') as Float32Array;
  if (ptr.length !== covered * numMethods + 1 || ptr[0] !== 0 || ptr[ptr.length - 1] !== items.length || recallScore.length !== items.length || evidence.length !== items.length) {
    throw new ArtifactError('candidate sections have the wrong size');
  }
  for (let s = 0; s + 1 < ptr.length; s++) if (ptr[s]! > ptr[s + 1]!) throw new ArtifactError('candidate pointers are not monotonic');
  for (const i of items) if (i < 0 || i >= numMovies) throw new ArtifactError('a candidate movie index is out of range');
  return { firstUser, numUsers: covered, numMethods, ptr, items, recallScore, evidence };
}

/**
 * The artifact fuzz run, in a worker thread of artifact-fuzz.test.ts (so that a hang or an
 * out-of-memory is the thread's, which the test can observe and end, not the test runner's).
 *
 * Serialises three real models (tiny with candidate pools, dense similarity, top-K similarity with
 * ALS's factors and candidate pools), mutates them with a seeded generator, recomputes the CRC, and decodes every
 * mutant twice: copying, and as views into shared memory. Each decode must refuse with an
 * `ArtifactError` or give a model that answers: recommendations, predictions and similar movies,
 * every number finite, every movie one the model knows. Both decodes must agree.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ArtifactError, buildUserItemMatrix, generateSynthetic, HybridRecommender, methods, serialize } from '../../../recommender';
import { defaultAlsParams } from '../../../recommender/als';
import { deserializeCore } from '../../../recommender/artifact';
import { createRandom } from '../../../recommender/random';
import { bodyStartOf, editHeader, editSection, headerOf, inSharedMemory, reseal, withBodyLength, type HeaderJson } from './artifact-bytes';
import { ratings, tinyMovies } from './fixtures';

export interface FuzzOptions {
  seed: number;
  cases: number;
}

export const mutationKinds = ['bit flips', 'section element', 'header number', 'header structure', 'section swap', 'prefix field', 'body length', 'compound'] as const;
type MutationKind = (typeof mutationKinds)[number];

export type FuzzMessage =
  | { type: 'case'; index: number; description: string }
  | { type: 'failure'; index: number; description: string; error: string }
  | { type: 'summary'; refused: number; answered: number; byKind: Record<MutationKind, { refused: number; answered: number }> };

interface Mutant {
  kind: MutationKind;
  detail: string;
  bytes: Uint8Array;
}

type Random = () => number;
const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const int = (random: Random, below: number): number => Math.floor(random() * below);

function models(): { name: string; bytes: Uint8Array }[] {
  const tiny = HybridRecommender.fit(
    buildUserItemMatrix(ratings([[1, 1, 5], [1, 2, 4], [1, 3, 1], [2, 1, 5], [2, 2, 5], [2, 5, 4], [2, 3, 2], [3, 1, 4], [3, 5, 5], [3, 6, 3], [4, 3, 5], [4, 4, 5], [5, 4, 4]])),
    tinyMovies,
    { minUserRatings: 2, minCandidateRatings: 0 },
  );
  const data = generateSynthetic({ ratings: 1_200, seed: 5, users: 40, movies: 70 });
  const dense = HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies);
  const topK = HybridRecommender.fit(buildUserItemMatrix(data.ratings), data.movies, {
    content: { denseMaxMovies: 20, neighboursPerMovie: 8, yearWidths: [1, 5, 10], yearWeight: 0.5, popularityExponent: 1 },
    hybridWeights: { userCf: 0.2, itemCf: 0.4, content: 0.2, als: 0.2 },
    als: { ...defaultAlsParams, factors: 4 },
  });
  return [
    { name: 'tiny, pooled', bytes: serialize(tiny.withCandidates(tiny.precomputeCandidates()), { snapshotId: 'tiny' }) },
    { name: 'dense', bytes: serialize(dense, { snapshotId: 'dense' }) },
    { name: 'top-k, pooled', bytes: serialize(topK.withCandidates(topK.precomputeCandidates()), { snapshotId: 'top-k' }) },
  ];
}

/** Integers where off-by-one, sign and width mistakes show. */
function interestingInt(random: Random, old: number, sizes: number[]): number {
  const size = pick(random, sizes);
  return pick(random, [-1, 0, 1, old - 1, old + 1, size - 1, size, size + 1, 2 ** 31 - 1, -(2 ** 31), (random() * 2 ** 32) | 0]);
}

/** Floats that are not ratings or similarities, or name movies that do not exist as evidence. */
function interestingFloat(random: Random, old: number, numMovies: number): number {
  return pick(random, [NaN, Infinity, -Infinity, -0, 1e30, -1e30, 3.4e38, 1e6, old * 2, -1, -1.5, -numMovies, -(numMovies + 1)]);
}

/** Numbers (and non-numbers) for a header field: wrapped, signed, fractional, beyond int32 and 2^53. */
function interestingJson(random: Random, old: number): unknown {
  return pick(random, [-1, 0, 1, old - 1, old + 1, old - 8, old + 8, old * 2, 1.5, 2 ** 31, 2 ** 32 - 1, 2 ** 53, -(2 ** 31), 1e308, null, '1', true]);
}

/** Every place in the header holding a number, as a path of keys. */
function numberPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'number') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => numberPaths(child, [...path, Array.isArray(value) ? Number(key) : key]));
}

/** Every object in the header (arrays included), with its path. */
function objectPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  return [path, ...Object.entries(value).flatMap(([key, child]) => objectPaths(child, [...path, Array.isArray(value) ? Number(key) : key]))];
}

function at(root: unknown, path: (string | number)[]): Record<string | number, unknown> {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root) as Record<string | number, unknown>;
}

function mutate(random: Random, bytes: Uint8Array, kind: MutationKind): Mutant {
  const header = headerOf(bytes);
  const sizes = [header.numUsers as number, header.numMovies as number, header.numRatings as number];
  const numMovies = header.numMovies as number;
  switch (kind) {
    case 'bit flips': {
      const copy = bytes.slice();
      const flipped: number[] = [];
      for (let n = 1 + int(random, 4); n > 0; n--) {
        // Anywhere but the checksum field, which is recomputed.
        let position = 4 + int(random, copy.length - 4);
        if (position >= 20 && position < 24) position += 4;
        if (position >= copy.length) continue;
        copy[position]! ^= 1 << int(random, 8);
        flipped.push(position);
      }
      return { kind, detail: `bytes ${flipped.join(', ')}`, bytes: reseal(copy) };
    }
    case 'section element': {
      const entry = pick(random, header.sections.filter((s) => s.length > 0));
      const k = int(random, entry.length);
      let detail = '';
      const edited = editSection(bytes, entry.name, (values) => {
        const old = values[k]!;
        values[k] = values instanceof Int32Array ? interestingInt(random, old, [...sizes, entry.length]) : values instanceof Float32Array ? interestingFloat(random, old, numMovies) : int(random, 256);
        detail = `${entry.name}[${k}]: ${old} → ${values[k]}`;
      });
      return { kind, detail, bytes: edited };
    }
    case 'header number': {
      const path = pick(random, numberPaths(header));
      const parent = at(header, path.slice(0, -1));
      const key = path.at(-1)!;
      const old = parent[key] as number;
      parent[key] = interestingJson(random, old);
      return { kind, detail: `${path.join('.')}: ${old} → ${JSON.stringify(parent[key])}`, bytes: editHeader(bytes, () => header) };
    }
    case 'header structure': {
      const edits: [string, (h: HeaderJson) => void][] = [
        ['a key deleted', (h) => {
          const path = pick(random, objectPaths(h).filter((p) => Object.keys(at(h, p)).length > 0));
          const node = at(h, path);
          const key = pick(random, Object.keys(node));
          if (Array.isArray(node)) node.splice(Number(key), 1);
          else delete node[key];
        }],
        ['a key added', (h) => void (at(h, pick(random, objectPaths(h).filter((p) => !Array.isArray(at(h, p)))))['unexpected'] = 1)],
        ['a section entry duplicated', (h) => void h.sections.push({ ...pick(random, h.sections) })],
        ['a section renamed', (h) => void (pick(random, h.sections).name = pick(random, h.sections).name)],
        ['a section retyped', (h) => void (pick(random, h.sections).type = pick(random, ['i32', 'f32', 'utf8']))],
        ['the similarity kind switched', (h) => void (h.content = h.content === 'dense' ? 'top-k' : 'dense')],
        ['candidate pools dropped or invented', (h) => void (h.candidates = h.candidates === null ? { firstUser: 0, numUsers: h.numUsers, numMethods: methods.length } : null)],
        ['the parameters emptied', (h) => void (h.params = {})],
      ];
      const [detail, edit] = pick(random, edits);
      return { kind, detail, bytes: editHeader(bytes, edit) };
    }
    case 'section swap': {
      const i = int(random, header.sections.length);
      const j = int(random, header.sections.length);
      const [a, b] = [header.sections[i]!, header.sections[j]!];
      const variant = int(random, 3);
      if (variant < 2) {
        [a.offset, b.offset, a.length, b.length] = [b.offset, a.offset, b.length, a.length];
        // Kept in body order, each name now labels the other's data; otherwise the table is also out of order.
        if (variant === 0) header.sections.sort((x, y) => x.offset - y.offset);
        return { kind, detail: `data of ${a.name} and ${b.name}${variant === 0 ? '' : ', table out of order'}`, bytes: editHeader(bytes, () => header) };
      }
      [header.sections[i], header.sections[j]] = [b, a];
      return { kind, detail: `table order of ${a.name} and ${b.name}`, bytes: editHeader(bytes, () => header) };
    }
    case 'prefix field': {
      const copy = bytes.slice();
      const view = new DataView(copy.buffer);
      const field = pick(random, ['version', 'reserved', 'header length', 'body length'] as const);
      const headerLength = view.getUint32(8, true);
      const bodyLength = copy.length - bodyStartOf(copy);
      if (field === 'version') view.setUint16(4, pick(random, [0, 2, 4, 5, 0xffff]), true);
      else if (field === 'reserved') view.setUint16(6, 1 + int(random, 0xffff), true);
      else if (field === 'header length') view.setUint32(8, pick(random, [0, headerLength - 1, headerLength + 1, headerLength + 8, 2 ** 31, 2 ** 32 - 1]) >>> 0, true);
      else view.setBigUint64(12, pick(random, [0n, BigInt(bodyLength - 1), BigInt(bodyLength + 1), 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]), true);
      return { kind, detail: field, bytes: reseal(copy) };
    }
    case 'body length': {
      const bodyLength = bytes.length - bodyStartOf(bytes);
      const length = int(random, bodyLength + 64);
      return { kind, detail: `${bodyLength} → ${length} bytes`, bytes: withBodyLength(bytes, length) };
    }
    case 'compound': {
      let mutant: Mutant = { kind, detail: '', bytes };
      const steps: string[] = [];
      // Content edits only, the body's first: a frame or table edit would leave the next step nothing to parse.
      const kinds = Array.from({ length: 2 + int(random, 2) }, () => pick(random, ['section element', 'header number'] as const)).sort((a, b) => b.localeCompare(a));
      for (const step of kinds) {
        mutant = mutate(random, mutant.bytes, step);
        steps.push(`${mutant.kind} (${mutant.detail})`);
      }
      return { kind, detail: steps.join(' then '), bytes: mutant.bytes };
    }
  }
}

/** Distinct buffers reachable from the model, in bytes: what it keeps in memory. */
function footprint(root: unknown): number {
  const buffers = new Set<ArrayBufferLike>();
  const visited = new Set<object>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || visited.has(value)) return;
    visited.add(value);
    if (ArrayBuffer.isView(value)) buffers.add(value.buffer);
    else for (const child of Object.values(value)) visit(child);
  };
  visit(root);
  let total = 0;
  for (const buffer of buffers) total += buffer.byteLength;
  return total;
}

/**
 * The model answers: every method for a known user (first, middle, last) and an unknown one, without
 * fresh ratings, with one folded in and with one excluded; predictions; similar movies. Throws on
 * anything wrong.
 */
function exercise(model: HybridRecommender, artifactLength: number): void {
  const { userIds, movieIds } = model.matrix;
  // The model's arrays plus the scratch buffers of its requests, all linear in the artifact's sections.
  const bytesKept = footprint(model);
  if (bytesKept > 16 * artifactLength + 65_536) throw new Error(`the model keeps ${bytesKept} bytes for a ${artifactLength}-byte artifact`);
  const users = [...new Set([userIds[0], userIds[userIds.length >> 1], userIds.at(-1), -1])].filter((u) => u !== undefined);
  const movies = [...new Set([movieIds[0], movieIds.at(-1)])].filter((m) => m !== undefined);
  const fresh = movies.map((movieId) => ({ movieId, rating: model.state.derived.scale.max }));
  const finite = (what: string, value: number) => {
    if (!Number.isFinite(value)) throw new Error(`${what} is ${value}`);
  };
  for (const userId of users) {
    for (const method of methods) {
      const answers = [model.recommend(userId, { method, limit: 10 }), model.recommend(userId, { method, limit: 10 }, fresh), model.recommend(userId, { method, limit: 10 }, fresh, 'exclude')];
      for (const answer of answers) {
        if (answer.items.length > 10) throw new Error(`${method} for user ${userId} gave ${answer.items.length} items for a limit of 10`);
        const seen = new Set<number>();
        for (const item of answer.items) {
          const what = `${method} for user ${userId}, movie ${item.movieId}`;
          if (!model.hasMovie(item.movieId) || seen.has(item.movieId)) throw new Error(`${what}: unknown or repeated`);
          if (typeof item.title !== 'string' || typeof item.reason !== 'string') throw new Error(`${what}: title or reason missing`);
          finite(`${what}: score`, item.score);
          finite(`${what}: recall_score`, item.recall_score);
          finite(`${what}: quality_score`, item.quality_score);
          seen.add(item.movieId);
        }
      }
      for (const movieId of movies) finite(`${method} prediction of user ${userId} for movie ${movieId}`, model.predictRating(userId, movieId, method));
    }
  }
  for (const movieId of movies) {
    for (const similar of model.similarMovies(movieId, 10)) {
      if (!model.hasMovie(similar.movieId)) throw new Error(`movie ${similar.movieId} similar to ${movieId} is unknown`);
      finite(`similarity of ${similar.movieId} to ${movieId}`, similar.similarity);
    }
  }
}

/** 'refused: <message>' or 'answered'; throws when the decoder or the model misbehaves. */
function outcome(decode: () => ReturnType<typeof deserializeCore>, artifactLength: number): string {
  let decoded: ReturnType<typeof deserializeCore>;
  try {
    decoded = decode();
  } catch (err) {
    if (err instanceof ArtifactError) return `refused: ${err.message}`;
    throw err;
  }
  exercise(HybridRecommender.fromCore(decoded.core, decoded.candidates), artifactLength);
  return 'answered';
}

function runFuzz({ seed, cases }: FuzzOptions, post: (message: FuzzMessage) => void): void {
  const random = createRandom(seed);
  const artifacts = models();
  const byKind = Object.fromEntries(mutationKinds.map((kind) => [kind, { refused: 0, answered: 0 }])) as Record<MutationKind, { refused: number; answered: number }>;
  let refused = 0;
  for (let index = 0; index < cases; index++) {
    const artifact = artifacts[index % artifacts.length]!;
    const mutant = mutate(random, artifact.bytes, mutationKinds[index % mutationKinds.length]!);
    const description = `seed ${seed}, case ${index}: ${artifact.name}, ${mutant.kind}: ${mutant.detail}`;
    post({ type: 'case', index, description });
    try {
      const copied = outcome(() => deserializeCore(mutant.bytes), mutant.bytes.length);
      const viewed = outcome(() => deserializeCore(inSharedMemory(mutant.bytes), { views: true }), mutant.bytes.length);
      if (copied !== viewed) throw new Error(`the decode modes disagree: copying ${copied}, views ${viewed}`);
      if (copied === 'answered') byKind[mutant.kind].answered++;
      else {
        byKind[mutant.kind].refused++;
        refused++;
      }
    } catch (err) {
      post({ type: 'failure', index, description, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      return;
    }
  }
  post({ type: 'summary', refused, answered: cases - refused, byKind });
}

if (parentPort) {
  const port = parentPort;
  runFuzz(workerData as FuzzOptions, (message) => port.postMessage(message));
}

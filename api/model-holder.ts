/**
 * The model the API serves, and the only way to change it: `reload(version?)` reads the version from the
 * registry (`models/<version>/manifest.json` + `model.bin`), checks it (manifest shape; then, in a thread
 * of its own, size and sha256 of the bytes, the artifact decodes, a smoke recommendation per method
 * works) and only then swaps it in with one assignment. A failed reload leaves the served model
 * untouched. Reloads run one at a time, in arrival order (a promise chain), so two reloads never
 * interleave their checks and swaps. The served model's state is shared memory: the API's thread
 * answers lookups from it, and a pool of recommender threads computes answers for users with fresh
 * ratings over the same arrays.
 */
import { z } from 'zod';
import { CURRENT_POINTER_KEY, readCurrentPointer, readManifest, type ModelManifest } from '../domain/model-registry';
import type { ObjectStore } from '../domain/ports';
import { HybridRecommender } from '../recommender/hybrid';
import { reviveState } from '../recommender/shared-state';
import { ModelLoader, RecommenderPool } from './serving-threads';

/** How long the previous model's recommender threads stay after a swap, for requests that began before it. */
const RETIRE_AFTER_MS = 10_000;

/** Versions name S3 keys: letters, digits and . _ - only, so no version reaches outside `models/<version>/`. */
export const MODEL_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface LoadedModel {
  version: string;
  /** Answers on the API's own thread: lookups in the candidate pools, similar movies. */
  recommender: HybridRecommender;
  /** Threads computing answers for users with fresh ratings; none when the API runs without threads. */
  pool: RecommenderPool | undefined;
  manifest: ModelManifest;
  loadedAt: Date;
}

export interface ReloadResult {
  model: LoadedModel;
  previousVersion: string | undefined;
  /** False when the requested version (same bytes) was already served: nothing was loaded. */
  changed: boolean;
  loadMs: number;
}

/** The registry has no such version, or no version is deployed. */
export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
}

/** The version exists but cannot be served: manifest or artifact missing, corrupt or failing the smoke test. */
export class InvalidModelError extends Error {
  override name = 'InvalidModelError';
}

/** The registry could not be read (S3 unreachable, say): worth retrying. */
export class RegistryUnavailableError extends Error {
  override name = 'RegistryUnavailableError';
}

const manifestShape = z.looseObject({
  version: z.string(),
  created_at: z.string(),
  metrics: z.record(z.string(), z.number()).optional(),
  artifact: z.looseObject({ key: z.string().min(1), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
});

/** Registry reads: a missing or unparsable manifest is the model's fault, a failed request the registry's. */
async function registryRead<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof InvalidModelError || err instanceof ModelNotFoundError) throw err;
    if (err instanceof SyntaxError) throw new InvalidModelError(`${what} is not valid JSON`);
    throw new RegistryUnavailableError(`could not read ${what} from the registry: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export interface ModelHolderOptions {
  /** Recommender threads per served model; 0 computes answers for users with fresh ratings on the API's thread. */
  threads: number;
  /** The largest artifact this replica will load: a manifest cannot make it allocate more. */
  maxArtifactBytes?: number;
}

const DEFAULT_MAX_ARTIFACT_BYTES = 8 * 2 ** 30;

export class ModelHolder {
  private loaded: LoadedModel | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly loader = new ModelLoader();
  private readonly threads: number;
  private readonly maxArtifactBytes: number;
  /** What the last attempt to load a version refused, until a version is loaded. */
  private refused: { version: string; problem: string; at: Date } | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly store: ObjectStore,
    options: ModelHolderOptions = { threads: 1 },
  ) {
    this.threads = options.threads;
    this.maxArtifactBytes = options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  }

  /** The served model; read it once per request so that a swap mid-request cannot mix two models. */
  current(): LoadedModel | undefined {
    return this.loaded;
  }

  /** The version the last failed load refused, and why (cleared by a successful load). */
  lastRefusal(): { version: string; problem: string; at: Date } | undefined {
    return this.refused;
  }

  /** Calls `listener` after every change of the served model and every refusal of a version. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Loads `version`, or the registry's current version when none is given; serialised with other reloads. */
  reload(version?: string): Promise<ReloadResult> {
    return this.serialised(() => this.load(version));
  }

  /**
   * At start-up: the registry's current version if one is deployed, else nothing (and no error).
   * Does nothing when a model is already loaded: a reload that got in first is not overridden.
   */
  loadDeployed(): Promise<ReloadResult | undefined> {
    return this.serialised(async () => {
      if (this.loaded !== undefined) return undefined;
      const pointer = await registryRead(CURRENT_POINTER_KEY, () => readCurrentPointer(this.store));
      return pointer === undefined ? undefined : this.load(pointer.version);
    });
  }

  /** Stops the loader and the recommender threads. */
  async close(): Promise<void> {
    await this.chain;
    await Promise.all([this.loader.close(), this.loaded?.pool?.close()]);
  }

  /**
   * The artifact, streamed into shared memory of the size its manifest gives (the model's arrays will be
   * views into it: nothing is held twice); a different size is the model's fault. Nothing is allocated
   * before the stored object's size (a HEAD) agrees with the manifest and lies within the bound.
   */
  private async download(version: string, manifest: ModelManifest): Promise<Uint8Array> {
    const { key, bytes: size } = manifest.artifact;
    if (size > this.maxArtifactBytes) throw new InvalidModelError(`the artifact of ${version} has ${size} bytes, more than this replica loads (API_MAX_ARTIFACT_BYTES=${this.maxArtifactBytes})`);
    const stored = await registryRead(`the size of the artifact of ${version}`, () => this.store.head(key));
    if (stored === undefined) throw new InvalidModelError(`the artifact ${key} of ${version} is missing`);
    if (stored.size !== size) throw new InvalidModelError(`the artifact of ${version} has ${stored.size} bytes, its manifest says ${size}`);
    return registryRead(`the artifact of ${version}`, async () => {
      const chunks = await this.store.chunks(key);
      if (chunks === undefined) throw new InvalidModelError(`the artifact ${key} of ${version} is missing`);
      const target = new Uint8Array(new SharedArrayBuffer(size));
      let received = 0;
      for await (const chunk of chunks) {
        if (received + chunk.length > size) throw new InvalidModelError(`the artifact of ${version} has more than the ${size} bytes its manifest says`);
        target.set(chunk, received);
        received += chunk.length;
      }
      if (received !== size) throw new InvalidModelError(`the artifact of ${version} has ${received} bytes, its manifest says ${size}`);
      return target;
    });
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async load(requested: string | undefined): Promise<ReloadResult> {
    const started = performance.now();
    const version = requested ?? (await registryRead(CURRENT_POINTER_KEY, () => readCurrentPointer(this.store)))?.version;
    if (version === undefined) throw new ModelNotFoundError(`no model is deployed in the registry (no ${CURRENT_POINTER_KEY})`);
    if (!MODEL_VERSION_PATTERN.test(version)) throw new ModelNotFoundError(`${JSON.stringify(version)} is not a model version`);
    try {
      const result = await this.loadVersion(version, started);
      if (result.changed) this.notify();
      return result;
    } catch (err) {
      if (err instanceof InvalidModelError) {
        this.refused = { version, problem: err.message, at: new Date() };
        this.notify();
      }
      throw err;
    }
  }

  private async loadVersion(version: string, started: number): Promise<ReloadResult> {
    const rawManifest = await registryRead(`the manifest of ${version}`, () => readManifest(this.store, version));
    if (rawManifest === undefined) throw new ModelNotFoundError(`model ${version} is not in the registry`);
    const shape = manifestShape.safeParse(rawManifest);
    if (!shape.success) throw new InvalidModelError(`the manifest of ${version} is malformed: ${shape.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
    if (shape.data.version !== version) throw new InvalidModelError(`the manifest under ${version} names version ${shape.data.version}`);
    const manifest = rawManifest;

    const previous = this.loaded;
    if (previous?.version === version && previous.manifest.artifact.sha256 === manifest.artifact.sha256) {
      return { model: previous, previousVersion: previous.version, changed: false, loadMs: performance.now() - started };
    }

    const bytes = await this.download(version, manifest);
    const outcome = await this.loader.load(version, bytes, manifest.artifact.sha256);
    if (!outcome.ok) throw new InvalidModelError(outcome.problem);
    const state = reviveState(outcome.state);

    let pool: RecommenderPool | undefined;
    if (this.threads > 0) {
      pool = new RecommenderPool(state, this.threads);
      try {
        await pool.warm({ userId: state.matrix.userIds[0] ?? -1, options: { limit: 1 }, fresh: [{ movieId: state.matrix.movieIds[0]!, rating: state.derived.scale.max }] });
      } catch (err) {
        await pool.close();
        throw new InvalidModelError(`the recommender threads cannot serve ${version}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.loaded = { version, recommender: new HybridRecommender(state), pool, manifest, loadedAt: new Date() };
    this.refused = undefined;
    // Requests that read the previous model just before the swap may still give its threads a task.
    if (previous?.pool) setTimeout(() => void previous.pool?.close().catch(() => undefined), RETIRE_AFTER_MS).unref();
    return { model: this.loaded, previousVersion: previous?.version, changed: true, loadMs: performance.now() - started };
  }
}

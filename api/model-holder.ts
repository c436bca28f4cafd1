/**
 * The model the API serves, and the only way to change it: `reload(version?)` reads the version from the
 * registry (`models/<version>/manifest.json` + `model.bin`), checks it (manifest shape, size and sha256
 * of the bytes, the artifact decodes, a smoke recommendation per method works) and only then swaps it
 * in with one assignment. A failed reload leaves the served model untouched. Reloads run one at a time,
 * in arrival order (a promise chain), so two reloads never interleave their checks and swaps.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { readCurrentPointer, readManifest, type ModelManifest } from '../domain/model-registry';
import type { ObjectStore } from '../domain/ports';
import { deserialize } from '../recommender/artifact';
import { ArtifactError } from '../recommender/errors';
import { methods, type HybridRecommender } from '../recommender/hybrid';

/** Versions name S3 keys: letters, digits and . _ - only, so no version reaches outside `models/<version>/`. */
export const MODEL_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface LoadedModel {
  version: string;
  recommender: HybridRecommender;
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

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Registry reads: a missing or unparsable manifest is the model's fault, a failed request the registry's. */
async function registryRead<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof SyntaxError) throw new InvalidModelError(`${what} is not valid JSON`);
    throw new RegistryUnavailableError(`could not read ${what} from the registry: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Every method must answer for a known user and for an unknown one, and similar movies must work. */
function smokeTest(recommender: HybridRecommender): void {
  const { userIds, movieIds } = recommender.matrix;
  if (movieIds.length === 0) throw new InvalidModelError('the model knows no movies');
  const users = userIds.length > 0 ? [userIds[0]!, -1] : [-1];
  for (const userId of users) {
    for (const method of methods) {
      const answer = recommender.recommend(userId, { method, limit: 10 });
      if (answer.items.length === 0) throw new InvalidModelError(`smoke test: ${method} recommended nothing for user ${userId}`);
      for (const item of answer.items) {
        if (![item.score, item.recall_score, item.quality_score].every(Number.isFinite)) {
          throw new InvalidModelError(`smoke test: ${method} gave a non-finite score for movie ${item.movieId}`);
        }
      }
    }
  }
  recommender.similarMovies(movieIds[0]!, 10);
}

export class ModelHolder {
  private loaded: LoadedModel | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: ObjectStore) {}

  /** The served model; read it once per request so that a swap mid-request cannot mix two models. */
  current(): LoadedModel | undefined {
    return this.loaded;
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
      const pointer = await registryRead('models/current.json', () => readCurrentPointer(this.store));
      return pointer === undefined ? undefined : this.load(pointer.version);
    });
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async load(requested: string | undefined): Promise<ReloadResult> {
    const started = performance.now();
    const version = requested ?? (await registryRead('models/current.json', () => readCurrentPointer(this.store)))?.version;
    if (version === undefined) throw new ModelNotFoundError('no model is deployed in the registry (no models/current.json)');
    if (!MODEL_VERSION_PATTERN.test(version)) throw new ModelNotFoundError(`${JSON.stringify(version)} is not a model version`);

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

    const bytes = await registryRead(`the artifact of ${version}`, () => this.store.get(manifest.artifact.key));
    if (bytes === undefined) throw new InvalidModelError(`the artifact ${manifest.artifact.key} of ${version} is missing`);
    if (bytes.length !== manifest.artifact.bytes) throw new InvalidModelError(`the artifact of ${version} has ${bytes.length} bytes, its manifest says ${manifest.artifact.bytes}`);
    const digest = sha256(bytes);
    if (digest !== manifest.artifact.sha256) throw new InvalidModelError(`the artifact of ${version} has sha256 ${digest}, its manifest says ${manifest.artifact.sha256}`);

    let recommender: HybridRecommender;
    try {
      recommender = deserialize(bytes);
    } catch (err) {
      if (err instanceof ArtifactError) throw new InvalidModelError(err.message);
      throw new InvalidModelError(`the artifact of ${version} cannot be decoded: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      smokeTest(recommender);
    } catch (err) {
      if (err instanceof InvalidModelError) throw err;
      throw new InvalidModelError(`smoke test failed: ${err instanceof Error ? err.message : String(err)}`);
    }

    this.loaded = { version, recommender, manifest, loadedAt: new Date() };
    return { model: this.loaded, previousVersion: previous?.version, changed: true, loadMs: performance.now() - started };
  }
}

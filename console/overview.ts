/**
 * What the operator console shows, read from the registry (S3) and the replica registry (DynamoDB):
 * every registered version with its data snapshot, metrics and last deploy decision, which one is
 * current and which previous, and what each live API replica serves.
 */
import pLimit from 'p-limit';
import { batchWorkflowId } from '../domain/batch';
import { evaluationHtmlKey, listVersions, readCurrentPointer, readDeploymentRecord, readManifest, type CurrentPointer, type DeploymentRecord } from '../domain/model-registry';
import type { ObjectStore, ReplicaRegistry, ReplicaStatus } from '../domain/ports';

/** Versions shown, newest first: the registry keeps every night's model, the console shows the recent ones. */
export const MAX_VERSIONS = 60;

export interface ConsoleLinks {
  temporalUiUrl: string;
  temporalNamespace: string;
  airflowUiUrl: string;
}

export interface VersionView {
  version: string;
  created_at: string;
  run_date: string;
  data_snapshot: { ratings: number; users: number; movies: number };
  metrics: Record<string, number>;
  deployment: Omit<DeploymentRecord, 'version'> | null;
  current: boolean;
  previous: boolean;
  has_report: boolean;
  /** The batch run that trained it in the Temporal UI, and the DAG whose run started it in Airflow. */
  runs: { temporal: string; airflow: string };
}

export interface Overview {
  read_at: string;
  current: CurrentPointer | null;
  replicas: ReplicaStatus[];
  versions: VersionView[];
  /** Versions in the registry beyond the newest MAX_VERSIONS, not shown. */
  older_versions: number;
}

export function runLinks(links: ConsoleLinks, runDate: string): VersionView['runs'] {
  const workflowId = batchWorkflowId(runDate);
  return {
    temporal: `${links.temporalUiUrl}/namespaces/${encodeURIComponent(links.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`,
    // The DAG's page lists its runs by date; a run's own id depends on how it was triggered.
    airflow: `${links.airflowUiUrl}/dags/movie_rec_batch`,
  };
}

export async function readOverview(store: ObjectStore, replicas: ReplicaRegistry, links: ConsoleLinks, now: Date): Promise<Overview> {
  const [pointer, live, versions] = await Promise.all([readCurrentPointer(store), replicas.live(now.getTime()), listVersions(store)]);
  // Versions are named `<run date>.<checksum>`: the last keys are the newest. The current and the
  // previous version stay in view however old they are.
  const newest = versions.slice(-MAX_VERSIONS);
  const pinned = [pointer?.version, pointer?.previous].filter((v): v is string => v !== undefined && versions.includes(v));
  const shown = [...new Set([...newest, ...pinned])];
  const limit = pLimit(8);
  const read = await Promise.all(
    shown.map((version) =>
      limit(async () => {
        const [manifest, deployment, report] = await Promise.all([readManifest(store, version), readDeploymentRecord(store, version), store.head(evaluationHtmlKey(version))]);
        return manifest === undefined ? undefined : { manifest, deployment, hasReport: report !== undefined };
      }),
    ),
  );
  const views = read
    .filter((entry) => entry !== undefined)
    .sort((a, b) => b.manifest.created_at.localeCompare(a.manifest.created_at) || b.manifest.version.localeCompare(a.manifest.version))
    .map(({ manifest, deployment, hasReport }): VersionView => ({
      version: manifest.version,
      created_at: manifest.created_at,
      run_date: manifest.run_date,
      data_snapshot: { ratings: manifest.data_snapshot.ratings, users: manifest.data_snapshot.users, movies: manifest.data_snapshot.movies },
      metrics: manifest.metrics ?? {},
      deployment: deployment ? { decided_at: deployment.decided_at, deployed: deployment.deployed, forced: deployment.forced, gate: deployment.gate } : null,
      current: pointer?.version === manifest.version,
      previous: pointer?.previous === manifest.version,
      has_report: hasReport,
      runs: runLinks(links, manifest.run_date),
    }));
  return { read_at: now.toISOString(), current: pointer ?? null, replicas: live, versions: views, older_versions: versions.length - shown.length };
}

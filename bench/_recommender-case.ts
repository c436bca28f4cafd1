/**
 * One dataset of the recommender benchmark, run in its own process so that its peak RSS is its own:
 * `tsx bench/_recommender-case.ts <dataset> <movielensDir> <requests> <baselineRequests>` prints one JSON line.
 */
import { buildUserItemMatrix, deserialize, HybridRecommender, loadDataset, methods, ratingCount, serialize } from '../recommender';
import { naiveRecommend } from './_naive-user-cf';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function timeEach(users: number[], run: (userId: number) => void): number[] {
  return users
    .map((userId) => {
      const started = performance.now();
      run(userId);
      return performance.now() - started;
    })
    .sort((a, b) => a - b);
}

function main(): void {
  const [spec = 'ml-100k', movielensDir = '.', requestsArg = '300', baselineArg = '20'] = process.argv.slice(2);
  const requests = Number(requestsArg);
  const baselineRequests = Number(baselineArg);
  let started = performance.now();
  const seconds = (): number => {
    const now = performance.now();
    const s = (now - started) / 1000;
    started = now;
    return s;
  };
  const dataset = loadDataset(spec, movielensDir);
  const loadSeconds = seconds();
  const matrix = buildUserItemMatrix(dataset.ratings);
  const model = HybridRecommender.fit(matrix, dataset.movies);
  const fitSeconds = seconds();
  const artifact = serialize(model, { snapshotId: `bench-${spec}`, createdAt: '2026-01-01T00:00:00.000Z' });
  const serializeSeconds = seconds();
  const loaded = deserialize(artifact);
  const loadArtifactSeconds = seconds();

  // Request users spread evenly over the user index (deterministic), so heavy and light users both appear.
  const step = Math.max(1, Math.floor(matrix.numUsers / requests));
  const users = Array.from({ length: Math.min(requests, matrix.numUsers) }, (_, q) => matrix.userIds[(q * step) % matrix.numUsers]!);
  for (const userId of users.slice(0, 20)) loaded.recommend(userId, { method: 'hybrid' });
  const latency = Object.fromEntries(
    methods.map((method) => {
      const times = timeEach(users, (userId) => loaded.recommend(userId, { method, limit: 10 }));
      return [method, { p50_ms: percentile(times, 50), p99_ms: percentile(times, 99), max_ms: times[times.length - 1]! }];
    }),
  );
  const baselineUsers = users.filter((_, q) => q % Math.max(1, Math.floor(users.length / baselineRequests)) === 0).slice(0, baselineRequests);
  const naive = timeEach(baselineUsers, (userId) => naiveRecommend(loaded.matrix, loaded.matrix.userIndex.get(userId)!, 10));
  const ours = timeEach(baselineUsers, (userId) => loaded.recommend(userId, { method: 'user-based', limit: 10 }));
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  console.log(
    JSON.stringify({
      dataset: spec,
      ratings: ratingCount(dataset.ratings),
      users: matrix.numUsers,
      movies: loaded.matrix.numMovies,
      content: loaded.state.content.kind,
      load_data_s: loadSeconds,
      fit_s: fitSeconds,
      serialize_s: serializeSeconds,
      artifact_bytes: artifact.length,
      artifact_load_s: loadArtifactSeconds,
      latency,
      baseline: {
        requests: baselineUsers.length,
        naive_mean_ms: mean(naive),
        naive_p50_ms: percentile(naive, 50),
        ours_mean_ms: mean(ours),
        ours_p50_ms: percentile(ours, 50),
        speedup_mean: mean(naive) / mean(ours),
      },
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main();

/**
 * `run` over every item with at most `width` calls pending at a time, results in item order. Workflow
 * code: deterministic, since the calls start in item order whenever one ends; the first failure rejects.
 * (p-limit would need Node's async_hooks, which the workflow sandbox does not have.)
 */
export async function mapBounded<T, R>(items: readonly T[], width: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, lane));
  return results;
}

import { heartbeatWhile } from './compute/heartbeating-job';
import type { ActivityDeps } from './deps';
import { writeSilverRatingsParquet } from './silver';

/**
 * The run date's silver ratings as a parquet table, for readers outside the batch, from the typed
 * columns extract wrote: beside the training, since no stage of the batch reads the parquet. A date
 * whose table is complete (`_SUCCESS`) is left as it is, so a repeated or retried run writes it once.
 */
export function createWriteRatingsParquet(deps: ActivityDeps) {
  return async function writeRatingsParquet(input: { run_date: string }): Promise<{ run_date: string; rows_written: number; parts: number }> {
    let rows = 0;
    return heartbeatWhile(
      () => ({ phase: 'ratings-parquet', rows }),
      async () => ({ run_date: input.run_date, ...(await writeSilverRatingsParquet(deps.store, input.run_date, (done) => (rows = done))) }),
    );
  };
}

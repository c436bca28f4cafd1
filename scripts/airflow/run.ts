import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config';
import { airflowEnv, venvBin } from './environment';

function runOnce(config: Config, args: string[], env: NodeJS.ProcessEnv, logFile: string | undefined): Promise<number> {
  const out = logFile === undefined ? 'inherit' : openSync(logFile, 'a');
  return new Promise<number>((resolve, reject) => {
    const child = spawn(venvBin(config, 'airflow'), args, { stdio: ['ignore', out, out], env: airflowEnv(config, env) });
    // Ctrl-C reaches the child through the terminal; the parent only waits for it to exit.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve(code ?? (signal ? 1 : 0));
    });
  }).finally(() => {
    if (typeof out === 'number') closeSync(out);
  });
}

/**
 * Runs the project's `airflow` CLI with `args` (the virtualenv must be set up), its output on the
 * terminal or appended to `logFile`. Commands other than
 * `db` need the metadata database: on first use it is created and the parsed DAGs stored in it, which
 * a scheduler's DAG processor would otherwise do.
 */
export async function runAirflow(config: Config, args: string[], options: { env?: NodeJS.ProcessEnv; logFile?: string } = {}): Promise<number> {
  const env = options.env ?? process.env;
  if (args[0] !== 'db' && !existsSync(path.join(config.airflow.home, 'airflow.db'))) {
    for (const step of [['db', 'migrate'], ['dags', 'reserialize']]) {
      const code = await runOnce(config, step, env, options.logFile);
      if (code !== 0) return code;
    }
  }
  return runOnce(config, args, env, options.logFile);
}

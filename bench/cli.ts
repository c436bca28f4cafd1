/**
 * `npm run bench -- <name> [--json] [options]` runs `bench/<name>.ts`, whose `run(args)` prints a table
 * and, with --json, ends with one line holding a JSON object of the figures.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface BenchModule {
  run(args: string[]): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['cli.ts', 'machine.ts'].includes(f) && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''));

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  if (!name || !existsSync(path.join(here, `${name}.ts`)) || !available.includes(name)) {
    console.error(`usage: npm run bench -- <${available.join(' | ')}> [--json]`);
    process.exit(2);
  }
  const bench = (await import(`./${name}.ts`)) as BenchModule;
  await bench.run(args);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    // A bad flag: parseArgs' message names it, and its stack adds nothing.
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS_')) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);

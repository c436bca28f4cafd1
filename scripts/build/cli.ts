/** `npm run build`: compiles the processes into dist/ for plain `node` (see compile.ts). */
import { projectRoot } from '../../config';
import { build } from './compile';

build(projectRoot).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

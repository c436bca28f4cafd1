/**
 * The processes run from one of two trees: the TypeScript sources under tsx (development, tests), or
 * the JavaScript that `npm run build` compiles into `dist/` (production, plain `node`). Files loaded by
 * path at run time — thread entry points, the workflow code — must come from the caller's own tree.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Where `npm run build` writes the compiled tree, relative to the project root. */
export const BUILD_DIR = 'dist';

/** The prebuilt workflow bundle inside the compiled tree, which the compiled worker loads instead of bundling at start. */
export const WORKFLOW_BUNDLE = 'workflows/bundle.js';

/** Whether the module at `moduleUrl` is compiled JavaScript rather than a TypeScript source. */
export function isCompiled(moduleUrl: string): boolean {
  return new URL(moduleUrl).pathname.endsWith('.js');
}

/** The module `specifier` (relative, without extension) resolved against `moduleUrl`, in the caller's tree. */
export function moduleBeside(moduleUrl: string, specifier: string): URL {
  return new URL(`${specifier}${isCompiled(moduleUrl) ? '.js' : '.ts'}`, moduleUrl);
}

/** The nearest directory at or above `dir` holding package.json: the project root, from the sources or from any compiled tree inside the project. */
export function findProjectRoot(dir: string, exists: (file: string) => boolean = existsSync): string {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (exists(path.join(current, 'package.json'))) return current;
    if (path.dirname(current) === current) throw new Error(`no package.json at or above ${dir}`);
  }
}

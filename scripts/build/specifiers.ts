/**
 * The sources import relative modules without an extension (`../config`, `./load-thread`), and files
 * inside packages that have no `exports` map likewise (`@temporalio/common/lib/time`), which tsx and
 * TypeScript's bundler resolution accept but Node's ES module loader does not: the build writes each
 * one as the file it names.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';

export interface ResolvedImport {
  /** The specifier as the compiled module writes it, e.g. `./load-thread.js` or `../config/index.js`. */
  specifier: string;
  /** The TypeScript source it names. */
  source: string;
}

export function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

/** Resolves a relative `specifier` of `fromFile` to a `.ts` module or a directory's `index.ts`, as tsx does. */
export function resolveRelativeImport(specifier: string, fromFile: string, exists: (file: string) => boolean): ResolvedImport {
  const target = path.resolve(path.dirname(fromFile), specifier);
  if (specifier.endsWith('.js') && exists(target.replace(/\.js$/, '.ts'))) return { specifier, source: target.replace(/\.js$/, '.ts') };
  if (exists(`${target}.ts`)) return { specifier: `${specifier}.js`, source: `${target}.ts` };
  if (exists(path.join(target, 'index.ts'))) return { specifier: `${specifier}/index.js`, source: path.join(target, 'index.ts') };
  throw new Error(`${fromFile}: cannot resolve import '${specifier}' to a .ts module`);
}

/** The npm package a bare specifier loads (`@temporalio/common/lib/time` → `@temporalio/common`), or undefined for a Node built-in. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** What the build knows of an installed package. */
export interface InstalledPackage {
  dir: string;
  hasExportsMap: boolean;
}

/**
 * A bare specifier as Node's ES module loader needs it: a file inside a package without an `exports`
 * map (`@temporalio/common/lib/time`) is named with the path of `resolveFile()`, the file CommonJS
 * resolution finds for it (`@temporalio/common/lib/time.js`); a package's main entry, or any path of a
 * package with an `exports` map, is resolved by Node itself and stays as it is.
 */
export function packageFileSpecifier(specifier: string, installed: InstalledPackage, resolveFile: () => string): string {
  const pkg = packageOf(specifier);
  if (pkg === undefined || pkg === specifier || installed.hasExportsMap || path.extname(specifier) !== '') return specifier;
  return `${pkg}/${path.relative(installed.dir, resolveFile()).split(path.sep).join('/')}`;
}

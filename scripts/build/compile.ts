/**
 * The production build: every entry point of tsconfig.build.json and each module it imports, compiled
 * file by file into the output directory with the same layout (`api/main.ts` → `dist/api/main.js`), so
 * paths resolved against `import.meta.url` hold in both trees; the console's static files beside its
 * module; and the workflow bundle the compiled worker loads. Type errors are `npm run typecheck`'s
 * job: compiling without the type checker keeps the build to seconds.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import ts from 'typescript';
import { BUILD_DIR, WORKFLOW_BUNDLE } from '../../config/source-tree';
import { isRelative, packageFileSpecifier, packageOf, resolveRelativeImport, type InstalledPackage } from './specifiers';

/** Files the processes read at run time beside their module, copied as they are. */
const ASSETS = ['console/static'];

export interface BuildResult {
  outDir: string;
  modules: number;
  seconds: number;
}

/** npm installs the packages of package.json's dependencies at the top of node_modules. */
function installedPackage(projectRoot: string, pkg: string): InstalledPackage {
  const dir = path.join(projectRoot, 'node_modules', pkg);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: unknown };
  return { dir, hasExportsMap: manifest.exports !== undefined };
}

function diagnosticText(diagnostic: ts.Diagnostic): string {
  return ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
}

function readBuildConfig(projectRoot: string): ts.ParsedCommandLine {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(diagnosticText(diagnostic));
    },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(projectRoot, 'tsconfig.build.json'), undefined, host);
  if (parsed === undefined || parsed.errors.length > 0) throw new Error(`tsconfig.build.json: ${parsed?.errors.map(diagnosticText).join('; ')}`);
  return parsed;
}

/** Where the build writes `source` inside its output directory: `api/main.ts` → `api/main.js`. */
function compiledName(projectRoot: string, source: string): string {
  return path.relative(projectRoot, source).replace(/\.ts$/, '.js').split(path.sep).join('/');
}

/** The entry points of tsconfig.build.json as the build writes them, e.g. `dist/api/main.js`. */
export function compiledEntryPoints(projectRoot: string): string[] {
  return readBuildConfig(projectRoot).fileNames.map((source) => `${BUILD_DIR}/${compiledName(projectRoot, source)}`);
}

/** Writes the specifier of every static and dynamic import and re-export as `rewrite` returns it. */
function specifierRewriter(rewrite: (specifier: string) => string): ts.TransformerFactory<ts.SourceFile> {
  const literal = (node: ts.StringLiteral, factory: ts.NodeFactory): ts.StringLiteral => {
    const specifier = rewrite(node.text);
    return specifier === node.text ? node : factory.createStringLiteral(specifier);
  };
  return (context) => {
    const { factory } = context;
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        return factory.updateImportDeclaration(node, node.modifiers, node.importClause, literal(node.moduleSpecifier, factory), node.attributes);
      }
      if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        return factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, literal(node.moduleSpecifier, factory), node.attributes);
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        return factory.updateCallExpression(node, node.expression, node.typeArguments, [literal(node.arguments[0], factory), ...node.arguments.slice(1)]);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (sourceFile) => ts.visitNode(sourceFile, visit) as ts.SourceFile;
  };
}

/**
 * Builds into `outDir` (default `dist/`), which it empties first. Fails on a syntax error, on a relative
 * import that names no module, and on a package imported at run time that is not in `dependencies`
 * (the image installs those only).
 */
export async function build(projectRoot: string, outDir = readBuildConfig(projectRoot).options.outDir ?? path.join(projectRoot, BUILD_DIR), log: (line: string) => void = console.log): Promise<BuildResult> {
  const started = Date.now();
  const relativeOut = path.relative(projectRoot, outDir);
  if (relativeOut === '' || relativeOut.startsWith('..') || path.isAbsolute(relativeOut)) throw new Error(`the build directory must be inside the project, not ${outDir}`);
  const { fileNames, options } = readBuildConfig(projectRoot);
  const packageJson = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const runtimePackages = new Set(Object.keys(packageJson.dependencies ?? {}));
  rmSync(outDir, { recursive: true, force: true });

  const problems: string[] = [];
  const compiled = new Set<string>();
  const queue = [...fileNames];
  for (let source = queue.pop(); source !== undefined; source = queue.pop()) {
    if (compiled.has(source)) continue;
    compiled.add(source);
    const rewrite = (specifier: string): string => {
      if (isRelative(specifier)) {
        const resolved = resolveRelativeImport(specifier, source, existsSync);
        queue.push(resolved.source);
        return resolved.specifier;
      }
      const pkg = packageOf(specifier);
      if (pkg === undefined) return specifier;
      if (!runtimePackages.has(pkg)) problems.push(`${path.relative(projectRoot, source)} imports '${specifier}', but ${pkg} is not in package.json's dependencies`);
      return packageFileSpecifier(specifier, installedPackage(projectRoot, pkg), () => createRequire(source).resolve(specifier));
    };
    const output = ts.transpileModule(readFileSync(source, 'utf8'), {
      compilerOptions: options,
      fileName: source,
      reportDiagnostics: true,
      transformers: { after: [specifierRewriter(rewrite)] },
    });
    for (const diagnostic of output.diagnostics ?? []) problems.push(`${path.relative(projectRoot, source)}: ${diagnosticText(diagnostic)}`);
    const target = path.join(outDir, compiledName(projectRoot, source));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  if (problems.length > 0) throw new Error(`build failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

  for (const asset of ASSETS) cpSync(path.join(projectRoot, asset), path.join(outDir, asset), { recursive: true });
  const bundle = await bundleWorkflowCode({ workflowsPath: path.join(projectRoot, 'workflows', 'index.ts'), logger: new DefaultLogger('WARN') });
  writeFileSync(path.join(outDir, WORKFLOW_BUNDLE), bundle.code);

  const seconds = (Date.now() - started) / 1000;
  log(`build: ${compiled.size} modules, ${ASSETS.join(', ')} and the workflow bundle → ${relativeOut}/ in ${seconds.toFixed(1)} s`);
  return { outDir, modules: compiled.size, seconds };
}

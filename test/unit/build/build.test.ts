import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../../config';
import { findProjectRoot, isCompiled, moduleBeside } from '../../../config/source-tree';
import { compiledEntryPoints } from '../../../scripts/build/compile';
import { packageFileSpecifier, packageOf, resolveRelativeImport } from '../../../scripts/build/specifiers';
import { entryPoint, nodeArguments } from '../../../scripts/platform/processes';
import { workflowCode } from '../../../worker/batch-worker';

const root = path.resolve('/project');
const sourceUrl = pathToFileURL(path.join(root, 'api', 'serving-threads', 'index.ts')).href;
const compiledUrl = pathToFileURL(path.join(root, 'dist', 'api', 'serving-threads', 'index.js')).href;

describe('production build', () => {
  describe('source tree', () => {
    it('tells a compiled module from a TypeScript source', () => {
      assert.equal(isCompiled(sourceUrl), false);
      assert.equal(isCompiled(compiledUrl), true);
    });

    it('names a thread entry point in the caller’s own tree', () => {
      assert.equal(moduleBeside(sourceUrl, './load-thread').href, pathToFileURL(path.join(root, 'api', 'serving-threads', 'load-thread.ts')).href);
      assert.equal(moduleBeside(compiledUrl, './load-thread').href, pathToFileURL(path.join(root, 'dist', 'api', 'serving-threads', 'load-thread.js')).href);
    });

    it('finds the project root from the sources and from a compiled tree at any depth', () => {
      const exists = (file: string) => file === path.join(root, 'package.json');
      assert.equal(findProjectRoot(path.join(root, 'config'), exists), root);
      assert.equal(findProjectRoot(path.join(root, 'dist', 'config'), exists), root);
      assert.equal(findProjectRoot(path.join(root, '.local', 'builds', 'e2e-1', 'config'), exists), root);
      assert.throws(() => findProjectRoot(path.join(root, 'config'), () => false), /no package\.json/);
    });

    it('has the compiled worker load the prebuilt workflow bundle, and the sources bundle at start', () => {
      assert.deepEqual(workflowCode(pathToFileURL(path.join(root, 'dist', 'worker', 'batch-worker.js')).href), { workflowBundle: { codePath: path.join(root, 'dist', 'workflows', 'bundle.js') } });
      assert.deepEqual(workflowCode(pathToFileURL(path.join(root, 'worker', 'batch-worker.ts')).href), { workflowsPath: path.join(root, 'workflows', 'index.ts') });
    });

    it('runs a TypeScript entry under tsx and a compiled one with plain node', () => {
      assert.deepEqual(nodeArguments('api/main.ts'), ['--import', 'tsx', 'api/main.ts']);
      assert.deepEqual(nodeArguments('dist/api/main.js'), ['dist/api/main.js']);
    });

    it('names a process’s source, or its compiled module in a build directory', () => {
      assert.equal(entryPoint('api/main.ts', undefined), 'api/main.ts');
      assert.equal(entryPoint('worker/main.ts', 'dist'), path.join('dist', 'worker', 'main.js'));
    });
  });

  describe('import specifiers', () => {
    const from = path.join(root, 'api', 'serving-threads', 'index.ts');
    const files = new Set([path.join(root, 'api', 'serving-threads', 'load-thread.ts'), path.join(root, 'config', 'index.ts'), path.join(root, 'config', 'source-tree.ts')]);
    const exists = (file: string) => files.has(file);

    it('writes a relative module as its .js file and a directory as its index.js', () => {
      assert.deepEqual(resolveRelativeImport('./load-thread', from, exists), { specifier: './load-thread.js', source: path.join(root, 'api', 'serving-threads', 'load-thread.ts') });
      assert.deepEqual(resolveRelativeImport('../../config', from, exists), { specifier: '../../config/index.js', source: path.join(root, 'config', 'index.ts') });
      assert.deepEqual(resolveRelativeImport('../../config/source-tree.js', from, exists), { specifier: '../../config/source-tree.js', source: path.join(root, 'config', 'source-tree.ts') });
    });

    it('fails on a relative import that names no module', () => {
      assert.throws(() => resolveRelativeImport('./missing', from, exists), /cannot resolve import '\.\/missing'/);
    });

    it('names the package of a bare specifier, and none for a Node built-in', () => {
      assert.equal(packageOf('koa'), 'koa');
      assert.equal(packageOf('@temporalio/common/lib/time'), '@temporalio/common');
      assert.equal(packageOf('zod/v4'), 'zod');
      assert.equal(packageOf('node:fs'), undefined);
      assert.equal(packageOf('worker_threads'), undefined);
      assert.equal(packageOf('fs/promises'), undefined);
    });

    it('completes a file inside a package without an exports map, and leaves what Node resolves itself', () => {
      const common = { dir: path.join(root, 'node_modules', '@temporalio', 'common'), hasExportsMap: false };
      const resolveTo = (...parts: string[]) => () => path.join(common.dir, ...parts);
      const unused = () => assert.fail('resolved a specifier Node resolves itself');
      assert.equal(packageFileSpecifier('@temporalio/common/lib/time', common, resolveTo('lib', 'time.js')), '@temporalio/common/lib/time.js');
      assert.equal(packageFileSpecifier('@temporalio/common/lib/converter', common, resolveTo('lib', 'converter', 'index.js')), '@temporalio/common/lib/converter/index.js');
      assert.equal(packageFileSpecifier('@temporalio/common', common, unused), '@temporalio/common');
      assert.equal(packageFileSpecifier('@temporalio/common/lib/time.js', common, unused), '@temporalio/common/lib/time.js');
      assert.equal(packageFileSpecifier('zod/v4', { dir: path.join(root, 'node_modules', 'zod'), hasExportsMap: true }, unused), 'zod/v4');
    });
  });

  it('has the image and the compose file run compiled entry points of the build with plain node, never tsx', () => {
    const entryPoints = new Set(compiledEntryPoints(projectRoot));
    assert.ok(entryPoints.has('dist/api/main.js'));
    for (const file of ['Dockerfile', 'docker-compose.yml']) {
      const text = readFileSync(path.join(projectRoot, file), 'utf8');
      assert.doesNotMatch(text, /\btsx\b/, `${file} mentions tsx`);
      const commands = [...text.matchAll(/\["node", "([^"]+)"/g)].map((match) => match[1]!);
      assert.ok(commands.length > 0, `${file} runs no node command`);
      for (const entry of commands) assert.ok(entryPoints.has(entry), `${file} runs ${entry}, which is no entry point of tsconfig.build.json`);
    }
  });
});

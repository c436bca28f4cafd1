import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { mutationKinds, type FuzzMessage, type FuzzOptions } from './artifact-fuzz-cases';

const entry = new URL('./artifact-fuzz-cases.ts', import.meta.url).href;
// Worker threads do not inherit tsx's loader: register it in the thread before importing the entry.
const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;

const options: FuzzOptions = { seed: 20_261_203, cases: 480 };
/** A case takes milliseconds; one still running after this is a hang. */
const caseDeadlineMs = 10_000;
/**
 * Far above the tens of MB the run needs: objects built by a hostile count exhaust it and end the
 * thread, not the runner. Typed arrays live outside this heap; the cases bound them by the artifact's size.
 */
const heapLimitMb = 256;

type Summary = Extract<FuzzMessage, { type: 'summary' }>;

/** Runs the fuzz cases in a thread of bounded heap, ending it when a case hangs. */
function runInThread(): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, { eval: true, workerData: options, resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } });
    let current = 'loading the models';
    let deadline: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      void worker.terminate();
      outcome();
    };
    const arm = () => {
      clearTimeout(deadline);
      deadline = setTimeout(() => settle(() => reject(new Error(`${current}: still running after ${caseDeadlineMs} ms`))), caseDeadlineMs);
    };
    arm();
    worker.on('message', (message: FuzzMessage) => {
      if (message.type === 'case') {
        current = message.description;
        arm();
      } else if (message.type === 'failure') settle(() => reject(new Error(`${message.description}\n${message.error}`)));
      else settle(() => resolve(message));
    });
    worker.on('error', (err) => settle(() => reject(new Error(`${current}: the thread failed: ${err.message}`))));
    worker.on('exit', (code) => settle(() => reject(new Error(`${current}: the thread exited with code ${code}`))));
  });
}

describe('recommender: model artifact fuzzing with valid checksums', () => {
  it(`refuses or answers for ${options.cases} mutated artifacts, never hanging, crashing or exhausting memory`, async function () {
    this.timeout(120_000);
    const summary = await runInThread();
    assert.equal(summary.refused + summary.answered, options.cases);
    for (const kind of mutationKinds) {
      const { refused, answered } = summary.byKind[kind];
      assert.ok(refused + answered > 0, `no ${kind} case ran`);
    }
    // Both outcomes must be common, or the run is not testing one of them.
    assert.ok(summary.refused >= options.cases / 10, `only ${summary.refused} mutants were refused`);
    assert.ok(summary.answered >= options.cases / 10, `only ${summary.answered} mutants decoded to a model`);
  });
});

// Flows run end to end through runFlow (worker processes, the real datastore), then read back
// through the client API: linear with parameters and every artifact kind, static branches with
// mergeArtifacts, nested foreach, retry, catch (exception, crash, timeout), foreach errors and
// the fan-out cap, a JavaScript flow file, two concurrent runs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Flow, Run, runFlow, Task, type RunResult } from '../../lib/flow/index.js';
import { flowFile, tempDir } from './helpers.js';

const tmp = tempDir('run');
after(tmp.cleanup);
const datastore = path.join(tmp.dir, 'store');
const opts = { datastore };

describe('running flows', () => {
  it('linear: parameters, artifacts of every encoding, logs, client API', async () => {
    const r = await runFlow(flowFile('linear.ts'), { ...opts, params: { count: '4', label: 'x y', verbose: 'true' }, tags: ['t1', 't2'] });
    assert.equal(r.status, 'succeeded', r.error);
    const run = Run(r.pathspec, opts);
    assert.ok(run.successful);
    assert.deepEqual(run.tags, ['t1', 't2']);
    assert.deepEqual(run.params, { count: 4, scale: 0.5, label: 'x y', verbose: true, config: { depth: 2 } });
    assert.deepEqual(run.steps.map((s) => s.name), ['start', 'middle', 'end']);
    const end = run.step('end').task;
    const d = end.data as Record<string, any>;
    assert.deepEqual(d.values, Float32Array.of(0, 0.5, 1, 1.5));
    assert.deepEqual(d.tensor, { name: 'x', datatype: 'FP64', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) });
    assert.deepEqual(d.mixed.map, new Map<unknown, unknown>([['a', 1], [2, new Set([1n, 2n])]]));
    assert.equal(d.mixed.when.toISOString(), '2024-01-02T00:00:00.000Z');
    assert.equal(d.mixed.big, 12345678901234567890n);
    assert.ok('nothing' in d.mixed && d.mixed.nothing === undefined);
    assert.ok(Number.isNaN(d.mixed.nan));
    assert.equal(d.mixed.inf, -Infinity);
    assert.deepEqual(d.mixed.nested, Int16Array.of(-1, 7));
    assert.equal(d.mixed.$larch, 'escaped');
    assert.deepEqual(d.mutated, [1, 2], 'in-place mutation in a later step is stored');
    const middle = run.step('middle').task;
    assert.deepEqual(d.where, {
      pathspec: middle.pathspec, retry: 0, tags: ['t1', 't2'], inputs: [run.step('start').task.pathspec], running: true, root: datastore,
    }, '`current` describes the running task');
    assert.equal(d.count, 4);
    assert.ok(!('_scratch' in d), 'underscore names are task-private');
    assert.ok(!('constant' in d), 'unchanged field initializers are not artifacts');
    // Untouched inherited artifacts are recorded by hash, never rewritten.
    assert.equal(end.artifacts.untouched!.hash, run.step('start').task.artifacts.untouched!.hash);
    assert.equal(end.artifacts.values!.encoding, 'typed');
    assert.equal(end.artifacts.tensor!.type, 'Tensor<FP64>');
    const start = run.step('start').task;
    assert.match(start.stdout, /start: count=4 label=x y/);
    assert.match(start.stderr, /a line on stderr/);
    assert.match(end.stdout, /end: 4 values, verbose=true, depth=2/);
    assert.equal(start.attempts.length, 1);
    assert.equal(start.attempts[0]!.status, 'ok');
    assert.equal(Flow('LinearFlow', opts).latestRun?.id, r.runId);
    assert.equal(Task(`${r.pathspec}/start/${start.id}`, opts).data.label, 'x y');
  });

  it('rejects unknown, malformed and missing parameters before running', async () => {
    await assert.rejects(runFlow(flowFile('linear.ts'), { ...opts, params: { cuont: '1' } }), /unknown parameter "cuont"; this flow has "count"/);
    await assert.rejects(runFlow(flowFile('linear.ts'), { ...opts, params: { count: '1.5' } }), /--param count=1.5: expected an integer/);
    await assert.rejects(runFlow(flowFile('linear.ts'), { ...opts, params: { verbose: 'maybe' } }), /expected true or false/);
    await assert.rejects(runFlow(flowFile('linear.ts'), { ...opts, params: { config: '{bad' } }), /expected JSON/);
    await assert.rejects(runFlow(flowFile('retry.ts'), opts), /parameter "counter" is required: pass --param counter=<string>/);
  });

  it('static branches join with inputs by step name and mergeArtifacts', async () => {
    const r = await runFlow(flowFile('branch.ts'), opts);
    assert.equal(r.status, 'succeeded', r.error);
    const d = Run(r.pathspec, opts).step('end').task.data;
    assert.deepEqual(d.scores, { a: 1, b: 3, c: 2 });
    assert.equal(d.best, 'b');
    assert.equal(d.shared, 'same everywhere', 'agreeing artifacts are merged');
    assert.ok(!('score' in d), 'excluded artifacts are not merged');
  });

  it('nested foreach: every item runs once, joins see their items in order', async () => {
    const r = await runFlow(flowFile('nested-foreach.ts'), { ...opts, maxWorkers: 3 });
    assert.equal(r.status, 'succeeded', r.error);
    const run = Run(r.pathspec, opts);
    assert.deepEqual(run.step('end').task.data.rows, [['px0', 'py1', 'pz2'], ['qx0', 'qy1', 'qz2']]);
    assert.equal(run.step('leaf').tasks.length, 6);
    assert.equal(run.step('fan').tasks.length, 2);
    assert.deepEqual(run.step('leaf').tasks.map((t) => t.index).sort(), [0, 0, 1, 1, 2, 2]);
  });

  it('@retry reruns a failed attempt; both attempts are recorded', async () => {
    const counter = path.join(tmp.dir, 'retry-counter');
    const r = await runFlow(flowFile('retry.ts'), { ...opts, params: { counter } });
    assert.equal(r.status, 'succeeded', r.error);
    const task = Run(r.pathspec, opts).step('flaky').task;
    assert.equal(task.data.attempts, 2);
    assert.deepEqual(task.attempts.map((a) => a.status), ['failed', 'ok']);
    assert.match(task.attempts[0]!.error!.message, /flaky failure on attempt 1/);
    assert.equal(readFileSync(counter, 'utf8'), 'xx');
  });

  it('@catchErrors stores an exception, a crash and a timeout, and the flow continues', async () => {
    const r = await runFlow(flowFile('catch.ts'), opts);
    assert.equal(r.status, 'succeeded', r.error);
    const run = Run(r.pathspec, opts);
    const d = run.step('end').task.data as Record<string, any>;
    assert.equal(d.reached, true);
    assert.equal(d.before, 'kept', 'a caught task passes its inputs on');
    assert.equal(d.thrown.name, 'RangeError');
    assert.equal(d.thrown.message, 'bad value');
    assert.equal(d.crashed.name, 'WorkerCrash');
    assert.match(d.crashed.message, /exit code 7/);
    assert.equal(d.slow.name, 'TimeoutError');
    assert.match(d.slow.message, /exceeded its @timeout of 1 s/);
    const thrown = run.step('throws').task;
    assert.equal(thrown.successful, false);
    assert.equal(thrown.meta.status, 'caught');
    assert.match(thrown.stderr, /RangeError: bad value/);
  });

  it('foreach errors name the step and variable; the fan-out cap names its option', async () => {
    const fails = async (params: Record<string, string>, extra: object, re: RegExp) => {
      const r: RunResult = await runFlow(flowFile('fanout.ts'), { ...opts, ...extra, params });
      assert.equal(r.status, 'failed');
      assert.match(r.error!, re);
    };
    await fails({ shape: 'empty' }, {}, /step 'start': foreach variable 'items' is empty/);
    await fails({ shape: 'number' }, {}, /step 'start': foreach variable 'items' is a number; it must be an array/);
    await fails({ shape: 'unset' }, {}, /step 'start': foreach variable 'items' is not set/);
    await fails({ width: '5' }, { maxNumSplits: 4 }, /makes 5 tasks, more than the limit of 4; raise it with --max-num-splits 5/);
    const ok = await runFlow(flowFile('fanout.ts'), { ...opts, params: { width: '5' }, maxNumSplits: 5, maxWorkers: 2 });
    assert.equal(ok.status, 'succeeded', ok.error);
    assert.equal(Run(ok.pathspec, opts).step('end').task.data.doubled, 20);
  });

  it('runs a JavaScript flow file with decorators, no build step', async () => {
    const r = await runFlow(flowFile('plain-js.js'), { ...opts, params: { greeting: 'hello' } });
    assert.equal(r.status, 'succeeded', r.error);
    const end = Run(r.pathspec, opts).step('end').task;
    assert.equal(end.data.sentence, 'hello from js');
    assert.match(end.stdout, /hello from js/);
  });

  it('runs the README example (foreach, @resources worker, join, mergeArtifacts)', async () => {
    const r = await runFlow(flowFile('readme-example.ts'), { ...opts, params: { trees: '50' } });
    assert.equal(r.status, 'succeeded', r.error);
    const end = Run(r.pathspec, opts).step('end').task;
    assert.deepEqual(end.data.best, { depth: 8, auc: 0.98 });
    assert.match(end.stdout, /best depth 8 of 3, trees=50/);
  });

  it('runs a TypeScript flow that imports a sibling TypeScript module (module hooks in workers)', async () => {
    const r = await runFlow(flowFile('with-helper.ts'), opts);
    assert.equal(r.status, 'succeeded', r.error);
    assert.equal(Run(r.pathspec, opts).step('end').task.data.total, 14);
  });

  it('picks the flow class by name when a file exports several', async () => {
    await assert.rejects(runFlow(flowFile('two-flows.ts'), opts), /exports several flows \(FirstFlow, SecondFlow\)/);
    const r = await runFlow(flowFile('two-flows.ts'), { ...opts, flowName: 'SecondFlow' });
    assert.equal(r.flow, 'SecondFlow');
    assert.equal(r.status, 'succeeded');
  });

  it('two concurrent runs of one flow get distinct IDs and keep their own artifacts', async () => {
    const [a, b] = await Promise.all([
      runFlow(flowFile('fanout.ts'), { ...opts, params: { width: '2' }, maxWorkers: 2 }),
      runFlow(flowFile('fanout.ts'), { ...opts, params: { width: '4' }, maxWorkers: 2 }),
    ]);
    assert.equal(a!.status, 'succeeded', a!.error);
    assert.equal(b!.status, 'succeeded', b!.error);
    assert.notEqual(a!.runId, b!.runId);
    assert.equal(Run(a!.pathspec, opts).step('end').task.data.doubled, 2);    // 0+2
    assert.equal(Run(b!.pathspec, opts).step('end').task.data.doubled, 12);   // 0+2+4+6
    assert.equal(Run(a!.pathspec, opts).step('work').tasks.length, 2);
    assert.equal(Run(b!.pathspec, opts).step('work').tasks.length, 4);
    for (const r of [a!, b!]) {
      for (const t of Run(r.pathspec, opts).step('work').tasks) {
        for (const input of t.meta.inputs) assert.ok(input.startsWith(`${r.pathspec}/`), 'inputs stay inside the run');
      }
    }
    assert.ok(!existsSync(path.join(datastore, 'runs', 'FanoutFlow', 'NaN')));
  });
});

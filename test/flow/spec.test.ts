// Reading the graph from a flow class (decorators + the this.next(...) call in each step's
// source), decorator misuse, and the pure scheduler's readiness rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildGraph, catchErrors, FlowDefinitionError, FlowLintError, FlowSpec, graphFromClass, lintGraph, nextRunnable, Parameter,
  resources, retry, step, timeout,
} from '../../lib/flow/index.js';

const lint = (cls: unknown) => lintGraph(graphFromClass(cls as never));
const lintError = (cls: unknown, rule: string, re: RegExp) =>
  assert.throws(() => lint(cls), (e: unknown) => e instanceof FlowLintError && e.rule === rule && re.test(e.message));

describe('graph from a flow class', () => {
  it('reads steps, transitions, foreach, joins, decorators and line numbers', () => {
    class Good extends FlowSpec {
      static params = { n: Parameter.int(1) };
      declare xs: number[];
      @step async start() { this.xs = [1]; this.next(this.work, { foreach: 'xs' }); }
      @retry({ times: 1, minutesBetweenRetries: 0 }) @timeout({ minutes: 1 }) @resources({ cpu: 2, memoryMb: 512 })
      @step async work() { if (this.xs) { this.next(this.join); } }
      @catchErrors({ var: 'err' }) @step async join(inputs: unknown[]) { void inputs; this['next'](this.end); }
      @step async end() {}
      helper() { return 1; }
    }
    const source = 'class Good {\n  @step async start() {}\n\n  @step async work() {}\n}';
    const g = lintGraph(graphFromClass(Good, { file: 'good.ts', source }));
    assert.deepEqual(g.order, ['start', 'work', 'join', 'end']);
    const work = g.steps.get('work')!;
    assert.deepEqual(work.next, ['join']);
    assert.equal(work.info.retry?.times, 1);
    assert.equal(work.info.timeoutSeconds, 60);
    assert.deepEqual(work.info.resources, { cpu: 2, memoryMb: 512 });
    assert.equal(work.line, 4);
    assert.equal(g.steps.get('start')!.foreach, 'xs');
    assert.equal(g.steps.get('join')!.isJoin, true);
    assert.equal(g.steps.get('join')!.closes, 'start');
    assert.equal(g.steps.get('join')!.info.catch?.var, 'err');
    assert.equal(g.params.n!.kind, 'int');
  });

  it('reports transitions it cannot read, naming the step', () => {
    class Dynamic extends FlowSpec {
      @step async start() { const t = this.end; this.next(t); }
      @step async end() {}
    }
    lintError(Dynamic, 'bad-next-call', /step 'start': next\(\) argument 1 must be a step written as this.<step> \(found "t"\)/);
    class ForeachVar extends FlowSpec {
      @step async start() { const v = 'xs'; this.next(this.end, { foreach: v }); }
      @step async end() {}
    }
    lintError(ForeachVar, 'bad-next-call', /write the foreach variable as a string literal/);
    class Twice extends FlowSpec {
      @step async start() { if (Math.random() > 2) this.next(this.a); else this.next(this.end); }
      @step async a() { this.next(this.end); }
      @step async end() {}
    }
    lintError(Twice, 'several-next', /step 'start' calls this.next\(\) 2 times/);
    class Stray extends FlowSpec {
      @step async start() { this.next(this.end); }
      @retry() async helper() {}
      @step async end() {}
    }
    lintError(Stray, 'stray-decorator', /method 'helper' has @retry but no @step/);
    class NotStep extends FlowSpec {
      @step async start() { this.next(this.helper); }
      async helper() { this.next(this.end); }
      @step async end() {}
    }
    lintError(NotStep, 'unknown-target', /this.helper, which is not a step; add @step to helper\(\)/);
  });

  it('refuses misused decorators when the class is defined', () => {
    assert.throws(() => retry({ times: -1 }), FlowDefinitionError);
    assert.throws(() => retry({ times: 1.5 }), /must be an integer/);
    assert.throws(() => timeout({}), /needs a positive duration/);
    assert.throws(() => catchErrors({ var: 'not valid' }), /must be an identifier/);
    assert.throws(() => {
      class Double extends FlowSpec {
        @retry() @retry() @step async start() { this.next(this.end); }
        @step async end() {}
      }
      return Double;
    }, /@retry is applied twice to step 'start'/);
    assert.throws(() => graphFromClass(class NotAFlow {} as never), /does not extend FlowSpec/);
    assert.throws(() => Parameter.int(1.5), /not an integer/);
  });

  it('a FlowSpec outside a run says how to run it', () => {
    class Lonely extends FlowSpec {
      @step async start() { this.next(this.end); }
      @step async end() {}
    }
    assert.rejects(new Lonely().start(), /larch flow run/);
  });
});

describe('nextRunnable', () => {
  const graph = lintGraph(buildGraph({ steps: {
    start: { next: ['work'], foreach: 'xs' }, work: { next: ['join'] }, join: { next: ['end'], join: true }, end: {},
  } }));
  const fanout = { steps: ['work'], foreach: { var: 'xs', count: 3 } };

  it('starts with start, fans out a foreach, and holds the join until every item finished', () => {
    assert.deepEqual(nextRunnable(graph, []).map((t) => t.key), ['start']);
    const started = [{ taskId: '1', step: 'start', stack: [], next: fanout }];
    assert.deepEqual(nextRunnable(graph, started).map((t) => t.key), ['work[0]', 'work[1]', 'work[2]']);
    const item = (i: number) => ({ taskId: String(10 + i), step: 'work', stack: [{ step: 'start', index: i, count: 3 }], next: { steps: ['join'] } });
    const two = [...started, item(2), item(0)];
    assert.ok(!nextRunnable(graph, two).some((t) => t.step === 'join'), 'join waits for item 1');
    const all = [...two, item(1)];
    const join = nextRunnable(graph, all).find((t) => t.step === 'join')!;
    assert.deepEqual(join.inputs, ['10', '11', '12'], 'inputs in foreach index order');
    assert.deepEqual(join.stack, []);
  });
});

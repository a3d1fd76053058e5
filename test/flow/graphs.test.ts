// Graph shapes as data (test/flow/graphs/*.json), run through shared checks: a valid shape must
// lint and, simulated through the pure scheduler, run each step the expected number of times;
// an invalid one must fail with the named rule at the named step.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildGraph, FlowLintError, kLintRules, lintGraph, nextRunnable, type FinishedTask, type GraphDescription } from '../../lib/flow/index.js';
import { graphsDir } from './helpers.js';

interface Fixture extends GraphDescription {
  foreachCounts?: Record<string, number>;
  /** Run only derive-edges and this rule (for rules that earlier rules make unreachable). */
  only?: string;
  expect: { runs?: Record<string, number>; error?: string; step?: string; message?: string };
}

/** Runs the graph to completion with the pure scheduler; returns tasks per step. */
function simulate(fixture: Fixture): Record<string, number> {
  const graph = lintGraph(buildGraph(fixture));
  const finished: FinishedTask[] = [];
  const launched = new Set<string>();
  const runs: Record<string, number> = {};
  let id = 0;
  for (let round = 0; round < 1000; round++) {
    const fresh = nextRunnable(graph, finished).filter((t) => !launched.has(t.key));
    if (!fresh.length) break;
    for (const t of fresh) {
      launched.add(t.key);
      runs[t.step] = (runs[t.step] ?? 0) + 1;
      const node = graph.steps.get(t.step)!;
      const next = t.step === 'end' ? null
        : node.foreach !== undefined ? { steps: node.next, foreach: { var: node.foreach, count: fixture.foreachCounts![t.step]! } }
        : { steps: node.next };
      finished.push({ taskId: String(++id), step: t.step, stack: t.stack, next });
    }
  }
  return runs;
}

const fixtures = readdirSync(graphsDir).filter((f) => f.endsWith('.json')).sort();

describe('graph fixtures', () => {
  it('has fixtures for every lint rule that reports an error', () => {
    const rules = new Set(fixtures.filter((f) => f.startsWith('err-'))
      .map((f) => (JSON.parse(readFileSync(path.join(graphsDir, f), 'utf8')) as Fixture).expect.error));
    for (const r of ['no-steps', 'missing-start', 'missing-end', 'stray-decorator', 'end-has-next', 'missing-next', 'several-next',
      'empty-next', 'unknown-target', 'duplicate-target', 'foreach-variable', 'foreach-targets', 'foreach-into-join', 'catch-on-foreach',
      'start-is-join', 'start-targeted', 'join-splits', 'unreachable', 'cycle', 'dead-end', 'not-a-join', 'join-without-split',
      'join-mismatch', 'split-two-joins', 'unjoined-split']) {
      assert.ok(rules.has(r), `no fixture for rule ${r}`);
    }
  });

  for (const file of fixtures) {
    const fixture = JSON.parse(readFileSync(path.join(graphsDir, file), 'utf8')) as Fixture;
    it(file, () => {
      if (fixture.expect.runs) {
        assert.deepEqual(simulate(fixture), fixture.expect.runs);
        return;
      }
      const graph = buildGraph(fixture);
      const run = () => {
        if (!fixture.only) return lintGraph(graph);
        for (const [name, rule] of kLintRules) if (name === 'derive-edges' || name === fixture.only) rule(graph);
        return graph;
      };
      assert.throws(run, (err: unknown) => {
        assert.ok(err instanceof FlowLintError, `expected FlowLintError, got ${String(err)}`);
        assert.equal(err.rule, fixture.expect.error, err.message);
        if (fixture.expect.step) assert.equal(err.step, fixture.expect.step, err.message);
        if (fixture.expect.message) assert.ok(err.message.includes(fixture.expect.message), err.message);
        if (err.step) assert.ok(err.message.includes(`'${err.step}'`) || err.message.includes(`"${err.step}"`), `message names the step: ${err.message}`);
        return true;
      });
    });
  }
});

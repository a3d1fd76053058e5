// `larch flow ...` as a user runs it: every command, its --help, exit codes, plain progress
// lines when stdout is not a terminal, LARCH_DATASTORE.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { flowFile, repoRoot, tempDir } from './helpers.js';

const tmp = tempDir('cli');
after(tmp.cleanup);
const datastore = path.join(tmp.dir, 'store');

function larch(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'larch.js'), 'flow', ...args], {
    cwd: tmp.dir, encoding: 'utf8', env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('larch flow CLI', () => {
  it('prints help for every command', () => {
    const top = larch(['--help']);
    assert.equal(top.code, 0);
    for (const cmd of ['run', 'resume', 'show', 'runs', 'logs', 'artifacts']) {
      assert.match(top.out, new RegExp(`\\b${cmd}\\b`));
      const h = larch([cmd, '--help']);
      assert.equal(h.code, 0, h.err);
      assert.match(h.out, new RegExp(`larch flow ${cmd}`));
    }
    assert.match(larch(['run', '--help']).out, /--param K=V[\s\S]*--max-workers N[\s\S]*--tag T[\s\S]*--datastore DIR/);
    assert.match(larch(['resume', '--help']).out, /--origin-run ID[\s\S]*--from STEP/);
  });

  it('rejects bad usage with exit code 2', () => {
    assert.equal(larch(['run']).code, 2);
    assert.equal(larch(['run', flowFile('branch.ts'), '--bogus']).code, 2);
    assert.equal(larch(['frobnicate']).code, 2);
    const bad = larch(['run', flowFile('linear.ts'), '--param', 'novalue', '--datastore', datastore]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /expected NAME=VALUE/);
  });

  it('shows the graph', () => {
    const r = larch(['show', flowFile('nested-foreach.ts')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /NestedFlow/);
    assert.match(r.out, /start \[foreach\] -> fan\s+\(foreach outer\)/);
    assert.match(r.out, /outerJoin \[join\] -> end\s+\(joins start\)/);
    const j = JSON.parse(larch(['show', flowFile('nested-foreach.ts'), '--json']).out) as { steps: Array<{ name: string }>; params: object };
    assert.deepEqual(j.steps.map((s) => s.name), ['start', 'fan', 'leaf', 'innerJoin', 'outerJoin', 'end']);
    assert.deepEqual(j.params, { inner: { kind: 'int', default: 3, help: 'inner fan-out' } });
  });

  it('refuses a flow with a graph error before running anything', () => {
    const r = larch(['run', flowFile('bad-graph.js'), '--datastore', datastore]);
    assert.equal(r.code, 1);
    assert.match(r.err, /BadGraphFlow: step 'start' goes to this.trian, which is not a step/);
    assert.ok(!existsSync(path.join(datastore, 'runs', 'BadGraphFlow')));
  });

  it('runs with plain progress lines, then lists runs, artifacts and logs', () => {
    const r = larch(['run', flowFile('branch.ts'), '--tag', 'nightly', '--max-workers', '2'], { LARCH_DATASTORE: datastore });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /run BranchFlow\/1 started/);
    assert.match(r.out, /BranchFlow\/1\/join\/\d+ finished/);
    assert.match(r.out, /run BranchFlow\/1 succeeded/);
    assert.doesNotMatch(r.out, /\x1b\[/, 'no terminal escapes when stdout is not a TTY');
    const runs = larch(['runs', 'BranchFlow', '--datastore', datastore]);
    assert.match(runs.out, /BranchFlow\/1\s+succeeded .* tags: nightly/);
    assert.match(larch(['runs', '--datastore', datastore]).out, /BranchFlow\s+1 run\(s\), latest BranchFlow\/1 succeeded/);
    const arts = larch(['artifacts', 'BranchFlow/1/end', '--datastore', datastore]);
    assert.equal(arts.code, 0, arts.err);
    assert.match(arts.out, /best\s+string\s+\d+ B\s+[0-9a-f]{12}\s+= "b"/);
    const json = JSON.parse(larch(['artifacts', 'BranchFlow/1/a', '--json', '--datastore', datastore]).out) as Array<{ artifacts: Record<string, unknown> }>;
    assert.deepEqual(Object.keys(json[0]!.artifacts).sort(), ['score', 'shared', 'who']);
    const logs = larch(['logs', 'BranchFlow/1/start', '--datastore', datastore]);
    assert.equal(logs.code, 0, logs.err);
    const missing = larch(['artifacts', 'BranchFlow/9/end', '--datastore', datastore]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /run BranchFlow\/9 does not exist/);
  });

  it('a failed run exits 1 and points at the failed task\'s logs', () => {
    const r = larch(['run', flowFile('fanout.ts'), '--param', 'shape=empty', '--datastore', datastore]);
    assert.equal(r.code, 1);
    assert.match(r.err, /foreach variable 'items' is empty/);
    const hint = /larch flow logs (FanoutFlow\/\d+\/start\/\d+)/.exec(r.err);
    assert.ok(hint, r.err);
    const logs = larch(['logs', hint[1]!, '--stderr', '--datastore', datastore]);
    assert.match(logs.out, /FlowStepError: step 'start': foreach variable 'items' is empty/);
    const resumed = larch(['resume', flowFile('fanout.ts'), '--datastore', datastore, '--plain']);
    assert.equal(resumed.code, 1, 'the origin parameters are reused, so it fails the same way');
  });
});

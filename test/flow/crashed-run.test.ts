// A run whose runner process died (kill -9) stays "running" in run.json forever; readers report it
// as 'crashed' instead, when the runner ran on this host and its pid is gone.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Flow } from '../../lib/flow/index.js';
import { effectiveRunStatus, type RunMeta } from '../../lib/flow/datastore/run-store.js';
import { flowFile, repoRoot, tempDir } from './helpers.js';

const tmp = tempDir('crashed');
after(tmp.cleanup);

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);  // exited and reaped by spawnSync: nothing has this pid now (barring reuse)
}

const base: Omit<RunMeta, 'runId'> = {
  format: 1, flow: 'ManualFlow', file: 'x.ts', params: {}, tags: [], status: 'running', user: 'u', startedAt: new Date().toISOString(),
};

describe('crashed runs', () => {
  it('a running run whose runner pid is gone on this host reads as crashed; others as written', () => {
    const host = os.hostname();
    const dead = deadPid();
    assert.equal(effectiveRunStatus({ ...base, runId: '1', host, pid: dead }, host), 'crashed');
    assert.equal(effectiveRunStatus({ ...base, runId: '1', host, pid: process.pid }, host), 'running');
    assert.equal(effectiveRunStatus({ ...base, runId: '1', host: `not-${host}`, pid: dead }, host), 'running');
    assert.equal(effectiveRunStatus({ ...base, runId: '1' }, host), 'running');  // written before pids were recorded
    assert.equal(effectiveRunStatus({ ...base, runId: '1', host, pid: dead, status: 'failed' }, host), 'failed');
  });

  it('the client and `larch flow runs` show a kill -9ed runner\'s run as crashed', async () => {
    const store = path.join(tmp.dir, 'store');
    const runner = spawn(process.execPath, [path.join(repoRoot, 'bin', 'larch.js'), 'flow', 'run', flowFile('slow.ts'), '--datastore', store], { stdio: 'ignore' });
    const runJson = path.join(store, 'runs', 'SlowFlow', '1', 'run.json');
    const startTask = path.join(store, 'runs', 'SlowFlow', '1', 'start');
    while (!existsSync(runJson) || !existsSync(startTask)) await new Promise((r) => setTimeout(r, 20));
    const live = Flow('SlowFlow', { datastore: store }).latestRun!;
    assert.equal(live.status, 'running');
    assert.equal(live.meta.pid, runner.pid, 'run.json records the runner process');
    assert.equal(live.meta.host, os.hostname());
    const exited = new Promise((r) => runner.once('exit', r));
    runner.kill('SIGKILL');
    await exited;
    const run = Flow('SlowFlow', { datastore: store }).latestRun!;
    assert.equal(run.status, 'crashed');
    assert.equal(run.finished, true);
    assert.equal(run.meta.status, 'running', 'run.json itself is not rewritten by readers');
    const list = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'larch.js'), 'flow', 'runs', 'SlowFlow', '--datastore', store], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /SlowFlow\/1\s+crashed/);
  });

});

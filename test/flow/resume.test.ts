// Resume after an injected failure (only the failed and later steps rerun; earlier artifacts are
// reused by hash) and kill -9 of a worker in the middle of an artifact write (the datastore stays
// readable and consistent, and the run can be resumed).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Run, resumeFlow, runFlow, type RunEvent } from '../../lib/flow/index.js';
import { blobName } from '../../lib/flow/datastore/index.js';
import { flowFile, tempDir } from './helpers.js';

const tmp = tempDir('resume');
after(tmp.cleanup);
const datastore = path.join(tmp.dir, 'store');
const opts = { datastore };

function allBlobsIntact(root: string): number {
  let n = 0;
  const blobs = path.join(root, 'blobs');
  for (const dir of readdirSync(blobs)) {
    for (const name of readdirSync(path.join(blobs, dir))) {
      const hash = blobName([readFileSync(path.join(blobs, dir, name))]);
      assert.equal(hash, name, `blob ${name} holds exactly the bytes it is named after`);
      n++;
    }
  }
  return n;
}

describe('resume', () => {
  it('clones finished tasks, reruns the failed step and later ones', async () => {
    const failFlag = path.join(tmp.dir, 'fail-now');
    writeFileSync(failFlag, '');
    const first = await runFlow(flowFile('resume.ts'), { ...opts, params: { failFlag } });
    assert.equal(first.status, 'failed');
    assert.match(first.error!, /train\/\d+: Error: injected failure/);
    const origin = Run(first.pathspec, opts);
    assert.equal(origin.successful, false);
    assert.equal(origin.status, 'failed');
    const failedTrain = origin.step('train').task;
    assert.equal(failedTrain.finished, false);
    assert.match(failedTrain.stderr, /injected failure/);

    rmSync(failFlag);
    const started: string[] = [];
    const onEvent = (e: RunEvent) => { if (e.type === 'task-start') started.push(e.step); };
    const second = await resumeFlow(flowFile('resume.ts'), { ...opts, onEvent });
    assert.equal(second.status, 'succeeded', second.error);
    assert.deepEqual(started.sort(), ['end', 'train'], 'only the failed step and later ones run');
    assert.equal(second.cloned, 5);   // start, 3 x prep, gather
    const resumed = Run(second.pathspec, opts);
    assert.equal(resumed.originRunId, first.runId);
    const [o, n] = [origin.step('start').task, resumed.step('start').task];
    assert.equal(n.meta.clonedFrom, o.pathspec);
    assert.equal(n.artifacts.data!.hash, o.artifacts.data!.hash, 'artifacts are reused by hash');
    assert.equal(n.attempts.length, 0, 'a cloned task did not run');
    assert.equal(n.stdout, o.stdout);
    assert.equal(resumed.step('gather').task.data.total, 60);
    assert.equal(resumed.step('end').task.data.model, 60 + 1000);
    assert.equal(resumed.step('prep').tasks.length, 3);

    // --from reruns the named step and everything after it.
    const from = await resumeFlow(flowFile('resume.ts'), { ...opts, originRunId: second.runId, fromStep: 'gather' });
    assert.equal(from.status, 'succeeded', from.error);
    assert.equal(from.cloned, 4);
    assert.equal(from.executed, 3);
    await assert.rejects(resumeFlow(flowFile('resume.ts'), { ...opts, fromStep: 'nope' }), /--from nope: ResumeFlow has no such step/);
    await assert.rejects(resumeFlow(flowFile('resume.ts'), { ...opts, originRunId: '999' }), /run ResumeFlow\/999 does not exist/);
  });

  it('kill -9 of a worker mid-write leaves the datastore consistent and the run resumable', async () => {
    const pidFile = path.join(tmp.dir, 'heavy.pid');
    const tmpDir = path.join(datastore, 'tmp');
    let sawPartial = false;
    let killed = false;
    const watcher = setInterval(() => {
      if (killed || !existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, 'utf8'));
      // The worker's temp files are named <pid>-<random>: kill it while its big blob is being written.
      const partial = existsSync(tmpDir) && readdirSync(tmpDir).some((f) => {
        if (!f.startsWith(`${pid}-`)) return false;
        try { return statSync(path.join(tmpDir, f)).size > 0; } catch { return false; }
      });
      if (!partial) return;
      sawPartial = true;
      killed = true;
      process.kill(pid, 'SIGKILL');
    }, 1);
    let r;
    try {
      r = await runFlow(flowFile('big-artifact.ts'), { ...opts, params: { pidFile, mb: '128' } });
    } finally {
      clearInterval(watcher);
    }
    assert.ok(sawPartial, 'the worker was killed while a blob temp file was being written');
    assert.equal(r.status, 'failed');
    assert.match(r.error!, /heavy\/\d+: WorkerCrash: the worker process died \(signal SIGKILL\)/);
    const run = Run(r.pathspec, opts);
    const heavy = run.step('heavy').task;
    assert.equal(heavy.finished, false, 'no DONE marker for the killed task');
    assert.equal(heavy.attempts[0]!.status, 'crashed');
    assert.equal(run.step('start').task.data.small, 'safe', 'earlier tasks are intact');
    assert.ok(allBlobsIntact(datastore) > 0);

    rmSync(pidFile);
    const again = await resumeFlow(flowFile('big-artifact.ts'), opts);
    assert.equal(again.status, 'succeeded', again.error);
    const big = Run(again.pathspec, opts).step('end').task.data.big as Float32Array;
    assert.equal(big.length, (128 * 1024 * 1024) / 4);
    assert.equal(big[12345], 1.5);
    allBlobsIntact(datastore);
  });
});

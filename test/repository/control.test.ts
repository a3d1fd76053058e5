// Model control modes explicit and poll, and version swaps under traffic.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRepository } from '../../lib/repository/repository.js';
import { registerBackend, unregisterBackend } from '../../lib/repository/backend-registry.js';
import { LarchError } from '../../lib/protocol/errors.js';
import { control, events, fakeBackend, resetEvents } from './fake-backend.js';
import { TempRepo, fp32 } from './helpers.js';

const logs: string[] = [];
const open = (root: string, extra: Partial<Parameters<typeof ModelRepository.open>[0]> = {}) =>
  ModelRepository.open({ root, log: (m) => logs.push(m), ...extra });
const first = async (p: Promise<Array<{ data: unknown }>>) => [...((await p)[0]!.data as Float32Array)];

async function rejectsWith(p: Promise<unknown>, code: string, re: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(LarchError.is(err), `expected LarchError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, re);
    return true;
  });
}

before(() => registerBackend(fakeBackend));
after(() => unregisterBackend('fake'));
beforeEach(() => { resetEvents(); logs.length = 0; control.hold = undefined; });

test('explicit mode: --load-model at start, then load/unload through the API', async () => {
  const dir = new TempRepo().model('a', { 1: 2 }).model('b', { 1: 3 });
  const repo = await open(dir.root, { controlMode: 'explicit', loadModels: ['a'] });
  try {
    assert.deepEqual((await repo.index()).map((r) => `${r.name}:${r.version}:${r.state}:${r.reason}`),
      ['a:1:READY:', 'b::UNAVAILABLE:']);
    await assert.rejects(async () => repo.getModel('b'), /unknown model "b"/);
    await repo.load('b');
    assert.deepEqual(await first(repo.getModel('b').infer([fp32(1)])), [3]);
    await repo.unload('a');
    assert.deepEqual(events.unloads, ['a/1']);
    assert.deepEqual((await repo.index()).map((r) => `${r.name}:${r.state}:${r.reason}`), ['a:UNAVAILABLE:unloaded', 'b:READY:']);
    await rejectsWith((async () => repo.getModel('a'))(), 'NOT_FOUND', /model "a" has no available versions: it is unavailable: unloaded/);
    await rejectsWith(repo.load('missing'), 'INVALID_ARGUMENT', /model "missing" is not in the model repository/);
    await rejectsWith(repo.unload('missing'), 'NOT_FOUND', /unknown model "missing"/);
    await rejectsWith(repo.load('../etc'), 'INVALID_ARGUMENT', /not a valid model name/);
    // Loading an unchanged model again reuses the loaded version.
    await repo.load('b');
    assert.deepEqual(events.loads, ['a/1', 'b/1']);
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

test('explicit mode: a load request can override the config and carry the model files', async () => {
  const dir = new TempRepo().model('a', { 1: 2, 2: 5 });
  const repo = await open(dir.root, { controlMode: 'explicit', loadModels: ['*'] });
  try {
    assert.equal(repo.getModel('a').version, '2');
    await repo.load('a', { config: JSON.stringify({ backend: 'fake', versionPolicy: { specific: { versions: ['1'] } } }) });
    assert.equal(repo.getModel('a').version, '1');
    assert.deepEqual(repo.config('a').version_policy, { specific: { versions: [1] } });
    await repo.load('fresh', {
      config: '{"backend":"fake","max_batch_size":2}',
      files: { 'file:3/model.fake': Buffer.from('{"scale":7}') },
    });
    assert.deepEqual(await first(repo.getModel('fresh', '3').infer([fp32(1)])), [7]);
    await rejectsWith(repo.load('x', { files: { '1/model.fake': Buffer.from('{}') } }), 'INVALID_ARGUMENT', /must also carry "config"/);
    await rejectsWith(repo.load('x', { config: '{"backend":"fake"}', files: { 'file:../../escape': Buffer.from('') } }),
      'INVALID_ARGUMENT', /must be a relative path inside the model folder/);
    await rejectsWith(repo.load('a', { config: '{"backend":"fake","max_batch_size":"many"}' }), 'INVALID_ARGUMENT', /max_batch_size: expected an integer/);
    assert.equal(repo.getModel('a').version, '1', 'a failed reload keeps the loaded version serving');
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

test('poll mode: added, changed and removed models and versions', async () => {
  const dir = new TempRepo().model('a', { 1: 2 });
  const repo = await open(dir.root, { controlMode: 'poll', pollSeconds: 3600 });
  try {
    await rejectsWith(repo.load('a'), 'UNAVAILABLE', /model control mode "poll"/);
    dir.model('b', { 1: 4 });
    await repo.pollOnce();
    assert.deepEqual(await first(repo.getModel('b').infer([fp32(1)])), [4]);
    // A new version replaces the old one under the default latest-1 policy.
    dir.write('a/2/model.fake', JSON.stringify({ scale: 10 }));
    await repo.pollOnce();
    assert.equal(repo.getModel('a').version, '2');
    assert.deepEqual(events.unloads, ['a/1']);
    // A changed model file in place reloads that version.
    dir.write('a/2/model.fake', JSON.stringify({ scale: 11 }));
    await repo.pollOnce();
    assert.deepEqual(await first(repo.getModel('a').infer([fp32(1)])), [11]);
    // A changed config reloads; an unchanged repository reloads nothing.
    dir.write('b/config.pbtxt', 'backend: "fake"\nmax_batch_size: 2\n');
    await repo.pollOnce();
    const loadsBefore = events.loads.length;
    await repo.pollOnce();
    assert.equal(events.loads.length, loadsBefore);
    assert.equal(repo.config('b').max_batch_size, 2);
    // A broken new version does not take the model down.
    dir.write('a/3/model.fake', JSON.stringify({ scale: 1, fail: 'truncated file' }));
    await repo.pollOnce();
    assert.equal(repo.getModel('a').version, '2');
    assert.ok(logs.some((l) => /truncated file/.test(l)), logs.join('\n'));
    // A removed model unloads.
    dir.remove('b');
    await repo.pollOnce();
    await rejectsWith((async () => repo.getModel('b'))(), 'NOT_FOUND', /unknown model "b"/);
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

test('a version swap under traffic drops no request: the old version unloads after its requests finish', async () => {
  const dir = new TempRepo().model('m', { 1: 2 });
  const repo = await open(dir.root, { controlMode: 'poll', pollSeconds: 3600 });
  try {
    let release!: () => void;
    control.hold = new Promise<void>((r) => { release = r; });
    const staleHandle = repo.getModel('m');
    const inflight = Array.from({ length: 5 }, () => first(repo.getModel('m').infer([fp32(1)])));
    await new Promise((r) => setImmediate(r));
    dir.write('m/2/model.fake', JSON.stringify({ scale: 3 }));
    await repo.pollOnce();
    assert.equal(repo.getModel('m').version, '2', 'new requests go to the new version at once');
    assert.deepEqual(events.unloads, [], 'the old version stays loaded while requests run on it');
    control.hold = undefined;
    // A handle taken before the swap, used after it, runs on the version serving now.
    assert.deepEqual(await first(staleHandle.infer([fp32(1)])), [3]);
    release();
    assert.deepEqual(await Promise.all(inflight), [[2], [2], [2], [2], [2]]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events.unloads, ['m/1']);
    // A handle pinned to a version (the request named it) that is retired meanwhile fails clearly.
    const pinned = repo.getModel('m', '2');
    dir.write('m/3/model.fake', JSON.stringify({ scale: 4 }));
    await repo.pollOnce();
    await rejectsWith(pinned.infer([fp32(1)]), 'UNAVAILABLE', /version 2 of model "m" has been unloaded/);
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

test('many swaps under continuous traffic: every request succeeds', async () => {
  const dir = new TempRepo().model('m', { 1: 1 });
  const repo = await open(dir.root, { controlMode: 'poll', pollSeconds: 3600 });
  try {
    let stop = false;
    let done = 0;
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const out = await first(repo.getModel('m').infer([fp32(1)]));
        assert.ok(out[0]! >= 1);
        done++;
        await new Promise((r) => setImmediate(r));
      }
    });
    for (let v = 2; v <= 8; v++) {
      dir.write(`m/${v}/model.fake`, JSON.stringify({ scale: v }));
      await repo.pollOnce();
      assert.equal(repo.getModel('m').version, String(v));
    }
    stop = true;
    await Promise.all(clients);
    assert.ok(done > 0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events.unloads, ['m/1', 'm/2', 'm/3', 'm/4', 'm/5', 'm/6', 'm/7']);
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

test('poll mode rescans on its own timer', async () => {
  const dir = new TempRepo().model('a', { 1: 2 });
  const repo = await open(dir.root, { controlMode: 'poll', pollSeconds: 0.02 });
  try {
    dir.model('late', { 1: 5 });
    // Eventually (no timing asserted): the timer's scan loads the new model.
    for (let i = 0; i < 500 && !repo.isModelReady('late'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(repo.isModelReady('late'), true);
  } finally {
    await repo.close();
    dir.cleanup();
  }
  assert.ok(events.unloads.includes('late/1') && events.unloads.includes('a/1'), 'close unloads everything, the poller stops');
});

test('poll interval and --load-model are checked', async () => {
  const dir = new TempRepo();
  try {
    await rejectsWith(open(dir.root, { controlMode: 'poll', pollSeconds: 0 }), 'INVALID_ARGUMENT', /--repository-poll-secs must be > 0/);
    await rejectsWith(open(dir.root, { controlMode: 'none', loadModels: ['a'] }), 'INVALID_ARGUMENT', /--load-model is only allowed with --model-control-mode=explicit/);
    await rejectsWith(open(dir.root + '/missing'), 'INVALID_ARGUMENT', /does not exist/);
  } finally {
    dir.cleanup();
  }
});

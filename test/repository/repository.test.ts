import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRepository } from '../../lib/repository/repository.js';
import { registerBackend, unregisterBackend } from '../../lib/repository/backend-registry.js';
import { LarchError } from '../../lib/protocol/errors.js';
import { events, fakeBackend, resetEvents } from './fake-backend.js';
import { TempRepo, fp32 } from './helpers.js';

const logs: string[] = [];
const open = (root: string, extra: Partial<Parameters<typeof ModelRepository.open>[0]> = {}) =>
  ModelRepository.open({ root, log: (m) => logs.push(m), ...extra });

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string, re: RegExp) {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    assert.ok(LarchError.is(err), `expected LarchError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, re);
    return;
  }
  assert.fail('expected an error');
}

before(() => registerBackend(fakeBackend));
after(() => unregisterBackend('fake'));
beforeEach(() => { resetEvents(); logs.length = 0; });

test('mode none: every model loads; a broken one is UNAVAILABLE with its reason while the others serve', async () => {
  const dir = new TempRepo()
    .model('good', { 1: 2 })
    .model('typo', { 1: 2 }, 'backend: "fake"\nmax_batch_sise: 8\n')
    .model('refuses', { 1: 2 });
  dir.write('refuses/1/model.fake', JSON.stringify({ scale: 1, fail: 'corrupt model file' }));
  // Strict readiness (Triton's default): a model that failed to load makes the server not ready.
  const lenient = await open(dir.root, { strictReadiness: false });
  assert.equal(lenient.ready, true);
  await lenient.close();
  resetEvents();
  const repo = await open(dir.root);
  try {
    assert.equal(repo.ready, false);
    const index = await repo.index();
    assert.deepEqual(index.map((r) => [r.name, r.version, r.state]), [
      ['good', '1', 'READY'], ['refuses', '1', 'UNAVAILABLE'], ['typo', '', 'UNAVAILABLE'],
    ]);
    assert.match(index[1]!.reason, /corrupt model file/);
    assert.match(index[2]!.reason, /config\.pbtxt:2:1: unknown field "max_batch_sise" in ModelConfig/);
    assert.deepEqual((await repo.index({ readyOnly: true })).map((r) => r.name), ['good']);
    const out = await repo.getModel('good').infer([fp32(1, 2)]);
    assert.deepEqual([...(out[0]!.data as Float32Array)], [2, 4]);
    // As Triton: no ready version is NOT_FOUND ("has no available versions"); a named version
    // that failed is UNAVAILABLE. The reason is in the message.
    await rejectsWith(() => repo.getModel('typo'), 'NOT_FOUND', /model "typo" has no available versions: it is unavailable: .*max_batch_sise/);
    await rejectsWith(() => repo.getModel('refuses'), 'NOT_FOUND', /corrupt model file/);
    await rejectsWith(() => repo.getModel('refuses', '1'), 'UNAVAILABLE', /version 1 of model "refuses" is unavailable: .*corrupt model file/);
    await rejectsWith(() => repo.getModel('nope'), 'NOT_FOUND', /unknown model "nope"/);
    await rejectsWith(() => repo.getModel('good', '7'), 'NOT_FOUND', /model "good" has no version "7" \(ready: 1\)/);
    assert.equal(repo.isModelReady('good'), true);
    assert.equal(repo.isModelReady('good', '1'), true);
    assert.equal(repo.isModelReady('typo'), false);
    // Statistics as Triton's extension answers them: INVALID_ARGUMENT unless a ready version exists.
    assert.deepEqual(repo.statistics('good').map((s) => s.version), ['1']);
    await rejectsWith(() => repo.statistics('nope'), 'INVALID_ARGUMENT', /requested model 'nope' is not available/);
    await rejectsWith(() => repo.statistics('typo'), 'INVALID_ARGUMENT', /requested model 'typo' is not available: it is unavailable/);
    await rejectsWith(() => repo.statistics('good', '7'), 'INVALID_ARGUMENT', /requested model version is not available for model 'good'/);
    await rejectsWith(repo.load('good'), 'UNAVAILABLE', /not allowed in model control mode "none"/);
    await rejectsWith(repo.unload('good'), 'UNAVAILABLE', /not allowed/);
  } finally {
    await repo.close();
    dir.cleanup();
  }
  assert.deepEqual(events.unloads, ['good/1'], 'close unloads what was loaded');
});

test('version policies: latest (default 1, or N), all, specific with a missing version', async () => {
  const dir = new TempRepo()
    .model('latest1', { 1: 1, 2: 2, 10: 10 })
    .model('latest2', { 1: 1, 2: 2, 3: 3 }, 'backend: "fake" version_policy { latest { num_versions: 2 } }')
    .model('all', { 1: 1, 3: 3 }, 'backend: "fake" version_policy: { all {} }')
    .model('specific', { 1: 1, 2: 2 }, 'backend: "fake" version_policy { specific { versions: [2, 5] } }');
  dir.write('latest1/01/model.fake', '{}').write('latest1/v3/model.fake', '{}');   // not version folders
  const repo = await open(dir.root);
  try {
    const rows = (await repo.index()).map((r) => `${r.name}:${r.version}:${r.state}`);
    assert.deepEqual(rows, ['all:1:READY', 'all:3:READY', 'latest1:10:READY', 'latest2:2:READY', 'latest2:3:READY',
      'specific:2:READY', 'specific:5:UNAVAILABLE']);
    assert.equal(repo.getModel('latest2').version, '3', 'no version asked: the highest ready one');
    assert.equal(repo.getModel('latest2', '2').version, '2');
    assert.equal(repo.getModel('latest2', '02').version, '2', 'a version is a number');
    assert.deepEqual(repo.metadata('all').versions, ['1', '3']);
    await rejectsWith(() => repo.getModel('specific', '5'), 'UNAVAILABLE', /version folder 5 does not exist/);
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

test('metadata, config in Triton JSON form, and lineage parameters', async () => {
  const dir = new TempRepo().model('fraud', { 1: 1, 2: 3 }, `
    backend: "fake"
    max_batch_size: 8
    input [{ name: "input__0" data_type: TYPE_FP32 dims: [ 2 ] }]
    output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 2 ] }]
    dynamic_batching { max_queue_delay_microseconds: 50 }
    version_policy: { all {} }
    parameters { key: "model_type" value { string_value: "xgboost_json" } }`);
  dir.write('fraud/2/lineage.json', JSON.stringify({
    flow: 'FraudFlow', run_id: '1700000000123', step: 'deploy', task: '42', data_hash: 'ab12', created_at: '2026-01-01T00:00:00Z',
    metrics: { auc: 0.97 }, version: 2, model: 'fraud', larch_version: '0.1.0', pathspec: null,
  }));
  const repo = await open(dir.root);
  try {
    const md = repo.metadata('fraud');
    assert.deepEqual(md, {
      name: 'fraud', versions: ['1', '2'], platform: 'fake_platform',
      inputs: [{ name: 'input__0', datatype: 'FP32', dims: [2] }],
      outputs: [{ name: 'output__0', datatype: 'FP32', dims: [2] }],
      parameters: {
        larch_flow: 'FraudFlow', larch_run: '1700000000123', larch_step: 'deploy', larch_task: '42', larch_data_hash: 'ab12',
        larch_created_at: '2026-01-01T00:00:00Z', larch_metrics: '{"auc":0.97}', larch_model: 'fraud',
        larch_version: '0.1.0', larch_model_version: '2',
      },
    });
    assert.deepEqual(repo.metadata('fraud', '1').parameters, {}, 'a version without lineage.json adds nothing');
    assert.deepEqual(repo.getModel('fraud').responseParameters, {
      larch_run: '1700000000123', larch_flow: 'FraudFlow', larch_step: 'deploy', larch_task: '42', larch_model_version: '2',
    });
    assert.deepEqual(repo.getModel('fraud', '1').responseParameters, {});
    const cfg = repo.config('fraud') as Record<string, any>;
    // Fields in the proto's declaration order, as Triton prints a config (version_policy and
    // optimization were filled in after parsing, yet come where the proto has them).
    const keys = Object.keys(cfg);
    assert.deepEqual(keys.slice(0, 6), ['name', 'platform', 'backend', 'runtime', 'version_policy', 'max_batch_size']);
    assert.ok(keys.indexOf('optimization') < keys.indexOf('dynamic_batching') && keys.indexOf('dynamic_batching') < keys.indexOf('instance_group'));
    assert.equal(cfg.name, 'fraud');
    assert.equal(cfg.max_batch_size, 8);
    assert.deepEqual(cfg.dynamic_batching.preferred_batch_size, [8]);
    assert.equal(cfg.dynamic_batching.max_queue_delay_microseconds, 50);
    assert.deepEqual(cfg.version_policy, { all: {} });
    assert.deepEqual(cfg.parameters, { model_type: { string_value: 'xgboost_json' } });
    assert.equal(cfg.instance_group[0].kind, 'KIND_CPU');
    assert.equal(cfg.input[0].format, 'FORMAT_NONE');
    cfg.name = 'mutated';
    assert.equal((repo.config('fraud') as Record<string, unknown>).name, 'fraud', 'callers get a copy');
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

test('auto-complete fills a missing or partial config; strict mode refuses a missing one', async () => {
  const dir = new TempRepo().model('auto', { 1: 2 }, '');
  dir.write('auto/1/model.fake', JSON.stringify({ scale: 2, inputs: 3 }));
  dir.write('auto/config.pbtxt', '');   // empty: backend unknown until inferred from nothing -> error below
  dir.remove('auto/config.pbtxt');
  dir.model('partial', { 1: 2 }, 'backend: "fake"\nmax_batch_size: 4\n');
  const repo = await open(dir.root);
  try {
    assert.deepEqual(repo.metadata('partial').inputs, [{ name: 'input__0', datatype: 'FP32', dims: [1] }]);
    const idx = await repo.index();
    assert.match(idx.find((r) => r.name === 'auto')!.reason, /asks for no backend or platform/);
  } finally {
    await repo.close();
  }
  const strict = await open(dir.root, { strictModelConfig: true });
  try {
    const idx = await strict.index();
    assert.match(idx.find((r) => r.name === 'auto')!.reason, /has no config\.pbtxt, which --strict-model-config=true requires/);
    assert.deepEqual(strict.metadata('partial').inputs, [], 'strict mode serves the config as written');
  } finally {
    await strict.close();
    dir.cleanup();
  }
});

test('validation errors name the rule, the value and the model', async () => {
  const dir = new TempRepo()
    .model('pbs', { 1: 1 }, 'backend: "fake" max_batch_size: 8 dynamic_batching { preferred_batch_size: [4, 12] }')
    .model('seq', { 1: 1 }, 'backend: "fake" max_batch_size: 8 sequence_batching {}')
    .model('nofile', {}, 'backend: "fake"');
  dir.write('nofile/1/other.bin', 'x');
  const repo = await open(dir.root);
  try {
    const reason = Object.fromEntries((await repo.index()).map((r) => [r.name, r.reason]));
    assert.equal(reason.pbs, 'preferred_batch_size 12 exceeds max_batch_size 8 (model "pbs")');
    assert.equal(reason.seq, 'sequence_batching (stateful models) is not supported by larch (model "seq")');
    assert.match(reason.nofile!, /version 1 of model "nofile" has no model file 1\/model\.fake/);
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

test('model_warmup runs at load; a failing warmup makes the version unavailable', async () => {
  const warm = `backend: "fake" max_batch_size: 4
    input [{ name: "input__0" data_type: TYPE_FP32 dims: [ 2 ] }]
    output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 2 ] }]
    model_warmup [{ name: "zeros" batch_size: 2 count: 3 inputs { key: "input__0" value { data_type: TYPE_FP32 dims: [2] zero_data: true } } }]`;
  const dir = new TempRepo().model('warm', { 1: 1 }, warm)
    .model('cold', { 1: 1 }, warm.replace('zero_data: true', 'input_data_file: "missing.bin"'));
  const repo = await open(dir.root);
  try {
    assert.deepEqual(events.infers, ['warm/1', 'warm/1', 'warm/1']);
    assert.match((await repo.index()).find((r) => r.name === 'cold')!.reason, /model_warmup "zeros" input "input__0" \(model "cold"\): cannot read/);
  } finally {
    await repo.close();
    dir.cleanup();
  }
});

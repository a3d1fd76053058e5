// The repository over real models: ONNX fixtures served through the onnxruntime backend, from a
// folder with no config.pbtxt (backend found from model.onnx, config auto-completed), checked
// against the fixtures' expected outputs, then swapped to a new version under traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import '../../lib/backends/onnx.js';
import { onnxAvailability } from '../../lib/onnx/runtime.js';
import { ModelRepository } from '../../lib/repository/repository.js';
import { asServed, assertOutputsMatch, onnxCases, sliceRows } from '../onnx/onnx-fixtures.js';

const availability = onnxAvailability();

test('ONNX fixtures served from a repository without config.pbtxt', { skip: availability.available ? false : availability.reason }, async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'larch-onnx-repo-'));
  // Auto-complete states batch-only tensors as Triton does (dims [1], reshape []): [N,1] here.
  const cases = onnxCases().map(asServed);
  for (const c of cases) {
    mkdirSync(path.join(root, c.id, '1'), { recursive: true });
    copyFileSync(c.modelFile, path.join(root, c.id, '1', 'model.onnx'));
  }
  const repo = await ModelRepository.open({ root, controlMode: 'poll', pollSeconds: 3600, log: () => undefined });
  try {
    assert.deepEqual((await repo.index()).map((r) => `${r.name}:${r.version}:${r.state}`), cases.map((c) => `${c.id}:1:READY`).sort());
    for (const c of cases) {
      const cfg = repo.config(c.id) as { backend: string; platform: string; max_batch_size: number; input: unknown[] };
      assert.equal(cfg.backend, 'onnxruntime');
      assert.equal(cfg.platform, 'onnxruntime_onnx');
      assert.equal(cfg.input.length, c.inputs.length);
      const model = repo.getModel(c.id);
      const rows = Math.min(c.inputs[0]!.shape[0]!, Math.max(1, cfg.max_batch_size));
      const out = await model.infer(c.inputs.map((t) => sliceRows(t, 0, rows)));
      assertOutputsMatch(c, out, c.expected.map((t) => sliceRows(t, 0, rows)));
    }
    // Swap the first model to a version 2 holding another model while requests run: all answer.
    const [a, b] = cases;
    const traffic = Array.from({ length: 20 }, () => repo.getModel(a!.id).infer(a!.inputs.map((t) => sliceRows(t, 0, 1))));
    mkdirSync(path.join(root, a!.id, '2'));
    copyFileSync(a!.modelFile, path.join(root, a!.id, '2', 'model.onnx'));
    await repo.pollOnce();
    assert.equal(repo.getModel(a!.id).version, '2');
    for (const out of await Promise.all(traffic)) assertOutputsMatch(a!, out, a!.expected.map((t) => sliceRows(t, 0, 1)));
    assert.ok(b);
  } finally {
    await repo.close();
    rmSync(root, { recursive: true, force: true });
  }
});

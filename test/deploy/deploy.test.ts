// deploy(): the version layout, config.pbtxt and lineage.json it writes, and atomicity under a
// server that polls the repository every 100 ms while versions keep arriving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createServer, loadModel, makeClassification, rowMajor, trainGbdt } from '../../lib/index.js';
import { deploy } from '../../lib/flow/deploy/index.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'larch-deploy-'));

async function smallModel(seed: number) {
  const ds = makeClassification({ rows: 600, informative: 4, redundant: 1, noise: 2, seed });
  const model = await trainGbdt({ x: ds.x, y: ds.y, numRows: ds.numRows, numFeatures: ds.numFeatures }, { numRounds: 8 + seed, maxDepth: 3, seed, nthread: 1 });
  return { model, ds };
}

test('deploy writes a complete Triton version with config and lineage', async (t) => {
  const repo = tmp();
  t.after(() => rmSync(repo, { recursive: true, force: true }));
  const { model, ds } = await smallModel(1);
  const r1 = await deploy(model, { repository: repo, name: 'fraud', trainingData: [ds.x, ds.y], dataArtifacts: ['x', 'y'], metrics: { auc: 0.9 }, lineage: { flow: 'F', runId: '7', step: 'deploy', task: '3' } });
  assert.equal(r1.version, 1);
  const r2 = await deploy(model, { repository: repo, name: 'fraud' });
  assert.equal(r2.version, 2);
  await assert.rejects(deploy(model, { repository: repo, name: 'fraud', version: 2 }), /already exists/);
  await assert.rejects(deploy(model, { repository: repo, name: '../evil' }), /model name/);
  assert.deepEqual(readdirSync(path.join(repo, 'fraud')).sort(), ['1', '2', 'config.pbtxt']);
  const config = readFileSync(path.join(repo, 'fraud', 'config.pbtxt'), 'utf8');
  assert.match(config, /backend: "fil"/);
  assert.match(config, new RegExp(`dims: \\[ ${ds.numFeatures} \\]`));
  assert.match(config, /string_value: "treelite_checkpoint"/);
  const lineage = JSON.parse(readFileSync(path.join(repo, 'fraud', '1', 'lineage.json'), 'utf8'));
  const expectedHash = createHash('sha256').update(new Uint8Array(ds.x.buffer, ds.x.byteOffset, ds.x.byteLength)).update(new Uint8Array(ds.y.buffer, ds.y.byteOffset, ds.y.byteLength)).digest('hex');
  assert.equal(lineage.data_hash, expectedHash);
  assert.equal(lineage.run_id, '7');
  assert.equal(lineage.pathspec, 'F/7/deploy/3');
  assert.equal(lineage.metrics.auc, 0.9);
  const tl = readFileSync(path.join(repo, 'fraud', '1', 'checkpoint.tl'));
  assert.equal(createHash('sha256').update(tl).digest('hex'), lineage.model_sha256);
  // The deployed checkpoint predicts exactly as the model deployed.
  const back = await loadModel(tl);
  const X = rowMajor(ds).subarray(0, 50 * ds.numFeatures);
  assert.deepEqual(await back.predict(X), await model.predict(X));
});

test('a server polling every 100 ms never sees a partial version during repeated deploys', async (t) => {
  const repo = tmp();
  t.after(() => rmSync(repo, { recursive: true, force: true }));
  const models = await Promise.all([1, 2, 3].map(smallModel));
  await deploy(models[0]!.model, { repository: repo, name: 'm' });
  const server = await createServer({ modelRepository: repo, modelControlMode: 'poll', repositoryPollSecs: 0.1, httpPort: 0, grpcPort: 0, metricsPort: 0, allowGrpc: false, allowMetrics: false, log: () => {} });
  t.after(() => server.close());
  const F = models[0]!.ds.numFeatures;
  const row = Array.from(rowMajor(models[0]!.ds).subarray(0, F));
  // Every version's correct answer for the probe row, by version number.
  const answers: number[] = [];
  let stop = false;
  const failures: string[] = [];
  let requests = 0;
  const client = (async () => {
    while (!stop) {
      const res = await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/m/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'input__0', shape: [1, F], datatype: 'FP32', data: row }] }) });
      const body = await res.json() as { outputs?: Array<{ data: number[] }>; model_version?: string; error?: string };
      requests++;
      if (res.status !== 200) { failures.push(`HTTP ${res.status}: ${body.error}`); continue; }
      const v = Number(body.model_version);
      const expected = answers[v];
      if (expected === undefined) failures.push(`served version ${v} before its deploy finished`);
      else if (Math.abs(body.outputs![0]!.data[1]! - expected) > 1e-6) failures.push(`version ${v} answered ${body.outputs![0]!.data[1]}, expected ${expected}`);
    }
  })();
  const probe = rowMajor(models[0]!.ds).subarray(0, F);
  answers[1] = (await models[0]!.model.predict(probe))[0]!;
  for (let i = 0; i < 9; i++) {
    const { model } = models[i % 3]!;
    const version = i + 2;
    answers[version] = (await model.predict(probe))[0]!;
    await deploy(model, { repository: repo, name: 'm', version });
    await new Promise((r) => setTimeout(r, 120));
  }
  // Keep the traffic going until the poller has picked up the last version (however slow the
  // machine), then check what was served all along.
  let index = await server.repository.index();
  const deadline = Date.now() + 30_000;
  while (!index.some((e) => e.name === 'm' && e.version === '10' && e.state === 'READY') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    index = await server.repository.index();
  }
  stop = true;
  await client;
  assert.deepEqual(failures, []);
  assert.ok(requests > 20, `only ${requests} requests were made`);
  assert.ok(index.some((e) => e.name === 'm' && e.version === '10' && e.state === 'READY'), JSON.stringify(index));
  assert.ok(!existsSync(path.join(repo, 'm', '.staging')));
});

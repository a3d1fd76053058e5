// Lineage end to end: the fraud example flow trains and deploys; a prediction's run id leads,
// through the flow client, to the task whose training data hashes to what lineage.json recorded,
// and `larch quickstart --exit` runs the whole demo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { createServer } from '../../lib/index.js';
import { Run, runFlow } from '../../lib/flow/index.js';
import { root } from '../../lib/native.js';

const run = promisify(execFile);
const flowFile = path.join(root, 'examples', 'fraud', 'flow.ts');

function sha256(...parts: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex');
}

test('a response run id leads back to the training data that made the model', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-lineage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const datastore = path.join(dir, '.larch');
  const repository = path.join(dir, 'model-repository');
  const result = await runFlow(flowFile, { params: { rows: '3000', repository, modelName: 'fraud' }, datastore, maxWorkers: 2 });
  assert.equal(result.status, 'succeeded', result.error);

  const server = await createServer({ modelRepository: repository, httpPort: 0, grpcPort: 0, metricsPort: 0, allowGrpc: false, allowMetrics: false, log: () => {} });
  t.after(() => server.close());
  const meta = await (await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/fraud`)).json() as { inputs: Array<{ shape: number[] }> };
  const F = meta.inputs[0]!.shape[1]!;
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/fraud/infer`, {
    method: 'POST', body: JSON.stringify({ inputs: [{ name: 'input__0', shape: [1, F], datatype: 'FP32', data: new Array(F).fill(0.5) }] }),
  });
  const body = await res.json() as { parameters: Record<string, string> };
  assert.equal(res.status, 200);
  const { larch_flow: flow, larch_run: runId, larch_step: step, larch_task: task } = body.parameters;
  assert.equal(`${flow}/${runId}`, result.pathspec);

  // From the response alone: the run, the deploying task, the lineage and the data.
  const deployed = Run(`${flow}/${runId}`, { datastore });
  assert.ok(deployed.successful);
  const deployTask = deployed.step(step!).tasks.find((x) => x.id === task)!;
  assert.ok(deployTask, `task ${task} of step ${step}`);
  const version = (deployTask.data.deployment as { version: number }).version;
  const lineage = JSON.parse(readFileSync(path.join(repository, 'fraud', String(version), 'lineage.json'), 'utf8'));
  const preprocess = deployed.step('preprocess').task;
  const usedX = preprocess.data.trainX as Float32Array;
  const usedY = preprocess.data.trainY as Float32Array;
  assert.equal(lineage.data_hash, sha256(usedX, usedY), 'the hash recorded at deploy is the hash of the data the flow trained on');
  assert.equal(preprocess.data.dataHash, lineage.data_hash);

  // The CLI proves the same chain and exits 0.
  const cli = await run(process.execPath, [path.join(root, 'bin', 'larch.js'), 'lineage', `fraud:${version}`, '--model-repository', repository, '--json']);
  const report = JSON.parse(cli.stdout) as { dataHashMatches: boolean; checkpointVerified: boolean; problems: string[]; data: Array<{ producedBy: string }> };
  assert.deepEqual(report.problems, []);
  assert.equal(report.dataHashMatches, true);
  assert.equal(report.checkpointVerified, true);
  assert.equal(report.data[0]!.producedBy, `${result.pathspec}/preprocess/${preprocess.id}`);
});

test('larch quickstart --exit trains, deploys, serves and answers over HTTP and gRPC', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-quickstart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = await run(process.execPath, [path.join(root, 'bin', 'larch.js'), 'quickstart', '--exit', '--rows', '3000', '--dir', dir, '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0'], { cwd: dir, timeout: 300_000 });
  assert.match(out.stdout, /Deployed fraud version 1/);
  assert.match(out.stdout, /HTTP {2}POST \/v2\/models\/fraud\/infer {3}\(run FraudFlow\/1, model version 1\)/);
  assert.match(out.stdout, /gRPC {2}ModelInfer fraud +\(run FraudFlow\/1\)/);
  assert.match(out.stdout, /npx larch lineage fraud:1/);
  const probs = [...out.stdout.matchAll(/fraud probability (\d\.\d+)/g)].map((m) => Number(m[1]));
  assert.equal(probs.length, 8);
  assert.deepEqual(probs.slice(0, 4), probs.slice(4), 'HTTP and gRPC give the same predictions');
});

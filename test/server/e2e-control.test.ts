// End to end: model control modes (none, explicit, poll), a model that fails to load while the
// others keep serving, and the `larch serve` process itself (ephemeral ports, SIGTERM -> exit 0).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createServer } from '../../lib/index.js';
import { inferBinary, HttpError } from './clients.js';
import { compare, LOCAL_QUIET, onnxCases, rowSlice, tempRepository, type ServedCase } from './fixture-repo.js';
import { grpcClient } from './grpc-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function predictOk(base: string, c: ServedCase): Promise<void> {
  const inputs = c.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.perRow === 1 ? [4] : [4, t.perRow], data: rowSlice(t, 0, 4) }));
  const got = await inferBinary(base, c.model, inputs);
  for (const o of c.outputs) assert.equal(compare(got.get(o.name)!.data, rowSlice(o, 0, 4), o.tolerance), '', `${c.model} ${o.name}`);
}

async function ready(base: string, model: string): Promise<boolean> {
  return (await fetch(`${base}/v2/models/${model}/ready`)).status === 200;
}

async function until(cond: () => Promise<boolean>, what: string, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond()) return; await sleep(100); }
  throw new Error(`timed out waiting for ${what}`);
}

describe('model control', () => {
  it('explicit: --load-model, then load/unload over HTTP and gRPC', async () => {
    const root = tempRepository();
    const cases = onnxCases(root);
    const [a, b] = [cases.find((c) => c.model === 'mlp_softmax')!, cases.find((c) => c.model === 'tree_ensemble_classifier')!];
    const server = await createServer({ ...LOCAL_QUIET, modelRepository: root, modelControlMode: 'explicit', loadModels: [a.model] });
    const base = `http://127.0.0.1:${server.httpPort}`;
    const grpc = grpcClient(server.grpcPort);
    try {
      assert.equal(await ready(base, a.model), true);
      assert.equal(await ready(base, b.model), false);
      await predictOk(base, a);
      await assert.rejects(predictOk(base, b), (e: HttpError) => e.status >= 400 && e.message.includes(b.model));
      let r = await fetch(`${base}/v2/repository/models/${b.model}/load`, { method: 'POST' });
      assert.equal(r.status, 200, await r.text());
      await predictOk(base, b);
      await grpc.call('RepositoryModelUnload', { model_name: a.model });
      assert.equal(await ready(base, a.model), false);
      assert.equal((await grpc.call('ModelReady', { name: a.model })).ready, false);
      await grpc.call('RepositoryModelLoad', { model_name: a.model });
      await predictOk(base, a);
      r = await fetch(`${base}/v2/repository/models/nonexistent/load`, { method: 'POST' });
      assert.ok(r.status >= 400);
      assert.match(((await r.json()) as { error: string }).error, /nonexistent/);
      await predictOk(base, a); // still serving
    } finally {
      grpc.close();
      await server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('none: every model loads at start and the load API is refused', async () => {
    const root = tempRepository();
    const cases = onnxCases(root);
    const server = await createServer({ ...LOCAL_QUIET, modelRepository: root });
    const base = `http://127.0.0.1:${server.httpPort}`;
    try {
      for (const c of cases) await predictOk(base, c);
      const r = await fetch(`${base}/v2/repository/models/${cases[0]!.model}/unload`, { method: 'POST' });
      assert.equal(r.status, 503);  // UNAVAILABLE, as Triton answers a load / unload outside explicit mode
      assert.match(((await r.json()) as { error: string }).error, /not allowed in model control mode "none"/);
      await predictOk(base, cases[0]!);
    } finally {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('poll: added models load, removed models unload', async () => {
    const root = tempRepository();
    const cases = onnxCases(root);
    const spare = tempRepository();
    const moved = cases[1]!;
    cpSync(path.join(root, moved.model), path.join(spare, moved.model), { recursive: true });
    rmSync(path.join(root, moved.model), { recursive: true });
    const server = await createServer({ ...LOCAL_QUIET, modelRepository: root, modelControlMode: 'poll', repositoryPollSecs: 1 });
    const base = `http://127.0.0.1:${server.httpPort}`;
    try {
      assert.equal(await ready(base, moved.model), false);
      cpSync(path.join(spare, moved.model), path.join(root, moved.model), { recursive: true });
      await until(() => ready(base, moved.model), `${moved.model} to load`);
      await predictOk(base, moved);
      rmSync(path.join(root, moved.model), { recursive: true });
      await until(async () => !(await ready(base, moved.model)), `${moved.model} to unload`);
      await predictOk(base, cases[0]!);
    } finally {
      await server.close();
      rmSync(root, { recursive: true, force: true });
      rmSync(spare, { recursive: true, force: true });
    }
  });

  it('a model that fails to load is UNAVAILABLE with its reason; the others serve', async () => {
    const root = tempRepository();
    const cases = onnxCases(root);
    mkdirSync(path.join(root, 'broken', '1'), { recursive: true });
    writeFileSync(path.join(root, 'broken', '1', 'model.onnx'), 'this is not an onnx model');
    writeFileSync(path.join(root, 'broken', 'config.pbtxt'), 'backend: "onnxruntime"\nmax_batch_size: 0\ninput [ { name: "X" data_type: TYPE_FP32 dims: [ -1, 2 ] } ]\noutput [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]\n');
    await assert.rejects(createServer({ ...LOCAL_QUIET, modelRepository: root }), /broken/); // --exit-on-error default
    const server = await createServer({ ...LOCAL_QUIET, modelRepository: root, exitOnError: false });
    const base = `http://127.0.0.1:${server.httpPort}`;
    try {
      const idx = await (await fetch(`${base}/v2/repository/index`, { method: 'POST' })).json() as Array<{ name: string; state: string; reason?: string }>;
      const broken = idx.find((e) => e.name === 'broken')!;
      assert.equal(broken.state, 'UNAVAILABLE');
      assert.ok(broken.reason && broken.reason.length > 0);
      for (const c of cases) await predictOk(base, c);
      // Strict readiness (Triton's default): the failed model keeps the server not ready.
      assert.equal((await fetch(`${base}/v2/health/ready`)).status, 400);
      assert.equal((await fetch(`${base}/v2/health/live`)).status, 200);
    } finally {
      await server.close();
    }
    const lenient = await createServer({ ...LOCAL_QUIET, modelRepository: root, exitOnError: false, strictReadiness: false });
    try {
      assert.equal((await fetch(`http://127.0.0.1:${lenient.httpPort}/v2/health/ready`)).status, 200);
    } finally {
      await lenient.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('larch serve process', () => {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/larch.js');

  it('--help lists the options and exits 0', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0);
    for (const o of ['--model-repository', '--model-control-mode', '--load-model', '--repository-poll-secs', '--strict-model-config', '--strict-readiness', '--allow-client-shm', '--http-port', '--grpc-port', '--metrics-port']) assert.ok(out.includes(o), o);
  });

  it('prints the bound ephemeral ports, serves, and exits 0 on SIGTERM', async () => {
    const root = tempRepository();
    const cases = onnxCases(root);
    const child = spawn(process.execPath, [bin, 'serve', `--model-repository=${root}`, '--http-port=0', '--grpc-port=0', '--metrics-port=0', '--http-address=127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const m = /Started HTTPService at [\d.]+:(\d+)/.exec(out);
          if (m && /Started Metrics Service/.test(out)) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      assert.match(out, /Started GRPCInferenceService at [\d.]+:\d+/);
      const base = `http://127.0.0.1:${port}`;
      await predictOk(base, cases[0]!);
      const exited = new Promise((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  });
});

// Loading a new version under traffic drops and fails no request: clients hammer a fil model over
// HTTP (two threads: main and a worker with its own handle on the native batcher) and gRPC while
// version 2 is added and loaded; every request succeeds and the new version takes over.
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createServer } from '../../lib/index.js';
import { inferBinary, inferGrpc } from './clients.js';
import { compare, filCases, rowSlice, tempRepository } from './fixture-repo.js';
import { grpcClient } from './grpc-client.js';

describe('version reload under traffic', () => {
  it('no request fails while version 2 replaces version 1', async () => {
    const root = tempRepository();
    const [c] = filCases(root, ['xgb_binary_logistic_nan.probability']);
    const server = await createServer({ modelRepository: root, modelControlMode: 'explicit', loadModels: ['*'], httpThreadCount: 2,
      httpPort: 0, grpcPort: 0, allowMetrics: false, httpAddress: '127.0.0.1', grpcAddress: '127.0.0.1', log: () => {} });
    const base = `http://127.0.0.1:${server.httpPort}`;
    const grpc = grpcClient(server.grpcPort);
    let stop = false;
    const versions = new Set<string>();
    let done = 0;
    const client = async (k: number) => {
      while (!stop) {
        const start = (k * 11 + done) % (c!.rows - 2);
        const inputs = [{ name: 'input__0', datatype: 'FP32' as const, shape: [2, c!.inputs[0]!.perRow], data: rowSlice(c!.inputs[0]!, start, 2) }];
        const got = k % 2 ? await inferBinary(base, c!.model, inputs) : await inferGrpc(grpc, c!.model, inputs);
        assert.equal(compare(got.get('output__0')!.data, rowSlice(c!.outputs[0]!, start, 2), c!.outputs[0]!.tolerance), '');
        done++;
      }
    };
    const versionOf = async () => ((await (await fetch(`${base}/v2/models/${c!.model}/ready`)).status === 200) &&
      ((await (await fetch(`${base}/v2/models/${c!.model}`)).json()) as { versions: string[] }).versions);
    try {
      const clients = Array.from({ length: 8 }, (_, k) => client(k));
      await new Promise((r) => setTimeout(r, 300));
      cpSync(path.join(root, c!.model, '1'), path.join(root, c!.model, '2'), { recursive: true });
      const r = await fetch(`${base}/v2/repository/models/${c!.model}/load`, { method: 'POST' });
      assert.equal(r.status, 200, await r.text());
      const before = done;
      await new Promise((r2) => setTimeout(r2, 500));
      stop = true;
      await Promise.all(clients);
      assert.ok(done > before, 'requests kept completing after the reload');
      versions.add(String(await versionOf()));
      assert.deepEqual([...versions], ['2']);
      // A request after the swap answers from version 2 on every thread.
      for (let k = 0; k < 6; k++) {
        const res = await fetch(`${base}/v2/models/${c!.model}/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, c!.inputs[0]!.perRow], data: Array.from(rowSlice(c!.inputs[0]!, 1, 1) as Float32Array, (v) => (Number.isNaN(v) ? 0 : v)) }] }) });
        assert.equal(((await res.json()) as { model_version: string }).model_version, '2');
      }
    } finally {
      stop = true;
      grpc.close();
      await server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

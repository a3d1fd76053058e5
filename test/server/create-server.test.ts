// createServer over a fake repository: ephemeral ports, the front ends it enables, option
// validation, and graceful close (requests in flight finish, new connections are refused).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer } from '../../lib/index.js';
import { parseServeArgs, serveHelp, OPTIONS } from '../../lib/server/options.js';
import { FakeRepository, RowSumModel } from './fakes.js';
import { grpcClient } from './grpc-client.js';

const body = JSON.stringify({ inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] });

describe('createServer', () => {
  it('binds ephemeral ports and serves HTTP and gRPC from one repository', async () => {
    const repo = new FakeRepository([new RowSumModel()]);
    const server = await createServer({ repository: repo, httpPort: 0, grpcPort: 0, allowMetrics: false, httpAddress: '127.0.0.1', grpcAddress: '127.0.0.1' });
    try {
      assert.ok(server.httpPort > 0 && server.grpcPort > 0);
      assert.equal(server.metricsPort, 0);
      const r = await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/rowsum/infer`, { method: 'POST', body });
      assert.equal(r.status, 200);
      const c = grpcClient(server.grpcPort);
      assert.equal((await c.call('ServerLive', {})).live, true);
      c.close();
    } finally {
      await server.close();
    }
  });

  it('finishes requests in flight on close, then refuses connections', async () => {
    const model = new RowSumModel();
    model.delayMs = 300;
    const server = await createServer({ repository: new FakeRepository([model]), httpPort: 0, allowGrpc: false, allowMetrics: false, httpAddress: '127.0.0.1' });
    const url = `http://127.0.0.1:${server.httpPort}/v2/models/rowsum/infer`;
    const inflight = fetch(url, { method: 'POST', body });
    await new Promise((r) => setTimeout(r, 100));
    const closed = server.close();
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.deepEqual(((await r.json()) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data, [10]);
    await closed;
    await assert.rejects(fetch(url, { method: 'POST', body }));
  });

  it('rejects bad options', async () => {
    await assert.rejects(createServer({ repository: new FakeRepository([]), httpPort: 70000 }), /httpPort/);
    await assert.rejects(createServer({}), /modelRepository/);
  });
});

describe('larch serve options', () => {
  it('parses Triton-style options', () => {
    const p = parseServeArgs(['--model-repository=/m', '--http-port', '0', '--model-control-mode=explicit', '--load-model', 'a', '--load-model=*', '--strict-model-config', '--allow-grpc=false', '--exit-timeout-secs=5']);
    assert.equal(p.options.modelRepository, '/m');
    assert.equal(p.options.httpPort, 0);
    assert.equal(p.options.modelControlMode, 'explicit');
    assert.deepEqual(p.options.loadModels, ['a', '*']);
    assert.equal(p.options.strictModelConfig, true);
    assert.equal(p.options.allowGrpc, false);
    assert.equal(p.exitTimeoutSecs, 5);
  });
  it('rejects unknown options and bad values with a message', () => {
    assert.throws(() => parseServeArgs(['--model-repository=/m', '--nope']), /unknown option --nope/);
    assert.throws(() => parseServeArgs(['--model-repository=/m', '--http-port=abc']), /expects an integer/);
    assert.throws(() => parseServeArgs(['--model-control-mode=sometimes', '--model-repository=/m']), /none, poll or explicit/);
    assert.throws(() => parseServeArgs([]), /--model-repository is required/);
  });
  it('--help lists every option', () => {
    const help = serveHelp();
    for (const o of OPTIONS) assert.ok(help.includes(`--${o.name}`), o.name);
  });
});

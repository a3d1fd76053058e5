// --http-thread-count > 1 over fakes: worker threads share the port; requests they cannot run
// natively are forwarded to the main thread, so every route answers the same from every thread.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { HttpFrontEnd } from '../../lib/http/server.js';
import { FakeRepository, RowSumModel } from './fakes.js';

const repo = new FakeRepository([new RowSumModel()]);
let server: HttpFrontEnd;
let base = '';

before(async () => {
  server = new HttpFrontEnd({ repository: repo, port: 0, host: '127.0.0.1', maxInputSize: 1 << 16, threads: 3 });
  base = `http://127.0.0.1:${await server.listen()}`;
});
after(async () => { await server.stop(); });

const body = (x: number) => JSON.stringify({ inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], data: [x, x, x, x] }] });

describe('HTTP worker threads', () => {
  it('many connections (spread over threads) each get their own answer', async () => {
    const jobs = [];
    for (let k = 0; k < 60; k++) {
      jobs.push(fetch(`${base}/v2/models/rowsum/infer`, { method: 'POST', body: body(k) }).then(async (r) => {
        assert.equal(r.status, 200);
        assert.deepEqual(((await r.json()) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data, [4 * k]);
      }));
    }
    await Promise.all(jobs);
  });
  it('control routes, errors and compressed bodies answer the same from any thread', async () => {
    for (let k = 0; k < 6; k++) {
      assert.equal((await fetch(`${base}/v2/health/ready`)).status, 200);
      assert.equal(((await (await fetch(`${base}/v2/models/rowsum`)).json()) as { name: string }).name, 'rowsum');
      const nf = await fetch(`${base}/v2/models/ghost/infer`, { method: 'POST', body: body(1) });
      assert.equal(nf.status, 404);
      assert.match(((await nf.json()) as { error: string }).error, /ghost/);
      const big = await fetch(`${base}/v2/models/rowsum/infer`, { method: 'POST', body: Buffer.alloc((1 << 16) + 1, 32) });
      assert.equal(big.status, 400);
      const gz = await fetch(`${base}/v2/models/rowsum/infer`, { method: 'POST', body: zlib.gzipSync(body(2)), headers: { 'content-encoding': 'gzip' } });
      assert.equal(gz.status, 200);
      const idx = await fetch(`${base}/v2/repository/index`, { method: 'POST', body: '{"ready": true}' });
      assert.deepEqual(((await idx.json()) as Array<{ name: string }>).map((e) => e.name), ['rowsum']);
    }
  });
});

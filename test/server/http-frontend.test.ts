// The HTTP front end over in-memory fakes: every route, the JSON and binary forms, compressed
// bodies, and each kind of bad request (the server must answer and keep serving).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { HttpFrontEnd } from '../../lib/http/server.js';
import { FakeRepository, IdentityModel, RowSumModel } from './fakes.js';

const repo = new FakeRepository([new RowSumModel(), new IdentityModel()]);
let server: HttpFrontEnd;
let base = '';

before(async () => {
  server = new HttpFrontEnd({ repository: repo, port: 0, host: '127.0.0.1', maxInputSize: 1 << 20 });
  base = `http://127.0.0.1:${await server.listen()}`;
});
after(async () => { await server.stop(); });

async function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  const r = await fetch(base + path, { method: 'POST', body, headers });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}
async function postJson(path: string, doc: unknown) {
  const r = await post(path, JSON.stringify(doc), { 'content-type': 'application/json' });
  return { status: r.status, json: r.body.length ? JSON.parse(r.body.toString()) : undefined };
}

/** Builds a binary-extension body: JSON header followed by the given tensors' bytes. */
function binaryBody(header: unknown, parts: Uint8Array[]): { body: Buffer; headerLength: number } {
  const h = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([h, ...parts]), headerLength: h.length };
}

const rows = [1, 2, 3, 4, 0.5, 0.25, -1, 10];

describe('health and metadata', () => {
  it('answers live, ready, server metadata', async () => {
    assert.equal((await fetch(`${base}/v2/health/live`)).status, 200);
    assert.equal((await fetch(`${base}/v2/health/ready`)).status, 200);
    const meta = await (await fetch(`${base}/v2`)).json() as { name: string; extensions: string[] };
    assert.equal(meta.name, 'larch');
    assert.ok(meta.extensions.includes('binary_tensor_data'));
  });
  it('reports model metadata with the batch dimension, ready, config and stats', async () => {
    const meta = await (await fetch(`${base}/v2/models/rowsum`)).json() as Record<string, unknown>;
    assert.deepEqual(meta.inputs, [{ name: 'input__0', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(meta.versions, ['1']);
    assert.equal((await fetch(`${base}/v2/models/rowsum/versions/1/ready`)).status, 200);
    const unknown = await fetch(`${base}/v2/models/rowsum/versions/7/ready`);
    assert.equal(unknown.status, 404);  // as Triton: the error a request for it would get
    assert.match(((await unknown.json()) as { error: string }).error, /7/);
    const cfg = await (await fetch(`${base}/v2/models/rowsum/config`)).json() as Record<string, unknown>;
    assert.equal(cfg.max_batch_size, 8);
    const stats = await (await fetch(`${base}/v2/models/stats`)).json() as { model_stats: unknown[] };
    assert.equal(stats.model_stats.length, 2);
  });
  it('404s unknown models and routes with a JSON error', async () => {
    const r = await fetch(`${base}/v2/models/nope`);
    assert.equal(r.status, 404);
    assert.match(((await r.json()) as { error: string }).error, /nope/);
    assert.equal((await fetch(`${base}/v3/what`)).status, 404);
    // A known path with another method: 405, as Triton.
    for (const [method, url] of [['POST', '/v2/models/rowsum'], ['GET', '/v2/repository/index'], ['PUT', '/v2/health/ready'], ['GET', '/v2/models/rowsum/infer?x=1']]) {
      const wrong = await fetch(`${base}${url}`, { method });
      assert.equal(wrong.status, 405, `${method} ${url}`);
      assert.match(((await wrong.json()) as { error: string }).error, /Method Not Allowed/);
    }
  });
});

describe('inference', () => {
  it('JSON in, JSON out, nested data, request id and lineage parameters', async () => {
    const r = await postJson('/v2/models/rowsum/infer', {
      id: 'req-1',
      inputs: [{ name: 'input__0', datatype: 'FP32', shape: [2, 4], data: [rows.slice(0, 4), rows.slice(4)] }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.id, 'req-1');
    assert.equal(r.json.model_name, 'rowsum');
    assert.equal(r.json.model_version, '1');
    assert.deepEqual(r.json.parameters, { larch_run: 'FakeFlow/1' });
    assert.deepEqual(r.json.outputs[0], { name: 'output__0', datatype: 'FP32', shape: [2, 1], data: [10, 9.75] });
    assert.equal(r.json.outputs.length, 2);
  });
  it('binary in, binary out for one output, JSON for the other', async () => {
    const x = new Float32Array(rows);
    const { body, headerLength } = binaryBody({
      inputs: [{ name: 'input__0', datatype: 'FP32', shape: [2, 4], parameters: { binary_data_size: 32 } }],
      outputs: [{ name: 'output__1', parameters: { binary_data: true } }, { name: 'output__0' }],
    }, [new Uint8Array(x.buffer)]);
    const r = await post('/v2/models/rowsum/infer', body, { 'inference-header-content-length': String(headerLength) });
    assert.equal(r.status, 200, r.body.toString());
    const hl = Number(r.headers.get('inference-header-content-length'));
    const header = JSON.parse(r.body.subarray(0, hl).toString());
    assert.equal(header.outputs[0].name, 'output__1');
    assert.deepEqual(header.outputs[0].parameters, { binary_data_size: 32 });
    assert.deepEqual(header.outputs[1].data, [10, 9.75]);
    const out = new Float32Array(r.body.buffer.slice(r.body.byteOffset + hl, r.body.byteOffset + hl + 32));
    assert.deepEqual(Array.from(out), rows.map((v) => v * 2));
    // The model saw a zero-copy view: the body was laid out so the binary section is aligned.
    const seen = repo.models.get('rowsum') as RowSumModel;
    const last = seen.calls.at(-1)!.inputs[0]!.data as Float32Array;
    assert.ok(last.buffer.byteLength > 32, 'the input was copied instead of viewed in place');
  });
  it('binary_data_output makes every output binary', async () => {
    const r = await post('/v2/models/rowsum/infer', JSON.stringify({
      parameters: { binary_data_output: true },
      inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }],
    }));
    const hl = Number(r.headers.get('inference-header-content-length'));
    assert.equal(r.body.length, hl + 4 + 16);
    assert.equal(r.headers.get('content-type'), 'application/octet-stream');
  });
  it('the classification parameter (as tritonclient sends class_count) returns "score:index" strings', async () => {
    const r = await postJson('/v2/models/rowsum/infer', {
      inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], data: [1, 5, 3, 4] }],
      outputs: [{ name: 'output__1', parameters: { classification: 2 } }],
    });
    assert.deepEqual(r.json.outputs, [{ name: 'output__1', datatype: 'BYTES', shape: [1, 2], data: ['10.000000:1', '8.000000:3'] }]);
  });
  it('class_count is accepted as another name of the classification parameter; bad counts are refused', async () => {
    const inputs = [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], data: [1, 5, 3, 4] }];
    const r = await postJson('/v2/models/rowsum/infer', { inputs, outputs: [{ name: 'output__1', parameters: { class_count: 1 } }] });
    assert.deepEqual(r.json.outputs, [{ name: 'output__1', datatype: 'BYTES', shape: [1, 1], data: ['10.000000:1'] }]);
    const bad = await postJson('/v2/models/rowsum/infer', { inputs, outputs: [{ name: 'output__1', parameters: { classification: 'two' } }] });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /"classification" must be a non-negative integer/);
  });
  it('gzip and deflate request bodies', async () => {
    const doc = JSON.stringify({ inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] }] });
    for (const [enc, z] of [['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync]] as const) {
      const r = await post('/v2/models/rowsum/infer', z(doc), { 'content-encoding': enc });
      assert.equal(r.status, 200, r.body.toString());
      assert.deepEqual(JSON.parse(r.body.toString()).outputs[0].data, [4]);
    }
  });
  it('every datatype round-trips over JSON and binary', async () => {
    const json = {
      BOOL: [true, false], UINT8: [0, 255], UINT16: [0, 65535], UINT32: [0, 4294967295], UINT64: [0, 2 ** 53],
      INT8: [-128, 127], INT16: [-32768, 32767], INT32: [-(2 ** 31), 2 ** 31 - 1], INT64: [-(2 ** 53), 2 ** 53],
      FP16: [1.5, -0.25], FP32: [0.5, 3], FP64: [0.1, -1e300], BYTES: ['hé', ''],
    } as Record<string, unknown[]>;
    const inputs = Object.entries(json).map(([t, data]) => ({ name: `IN_${t}`, datatype: t, shape: [2], data }));
    const r = await postJson('/v2/models/identity/infer', { inputs });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    for (const o of r.json.outputs) assert.deepEqual(o.data, json[o.name.slice(4)], o.name);
    // Binary out for every output, then decode by hand.
    const rb = await post('/v2/models/identity/infer', JSON.stringify({ inputs, parameters: { binary_data_output: true } }));
    const hl = Number(rb.headers.get('inference-header-content-length'));
    const header = JSON.parse(rb.body.subarray(0, hl).toString());
    let off = hl;
    const sizes: Record<string, number> = {};
    for (const o of header.outputs) { sizes[o.name] = o.parameters.binary_data_size; off += o.parameters.binary_data_size; }
    assert.equal(off, rb.body.length);
    assert.equal(sizes.OUT_FP16, 4);
    assert.equal(sizes.OUT_BYTES, 4 + 3 + 4);
    assert.equal(sizes.OUT_INT64, 16);
  });
  it('bare NaN / Infinity tokens (as Python json writes them) in and out', async () => {
    const empty = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP64', 'BYTES']
      .map((t) => `{"name":"IN_${t}","datatype":"${t}","shape":[0],"data":[]}`);
    const text = `{"inputs":[{"name":"IN_FP32","datatype":"FP32","shape":[4],"data":[NaN,Infinity,-Infinity,1.5]},${empty.join(',')}],"outputs":[{"name":"OUT_FP32"}]}`;
    const r = await post('/v2/models/identity/infer', text);
    assert.equal(r.status, 200, r.body.toString());
    assert.match(r.body.toString(), /"data":\[NaN,Infinity,-Infinity,1.5\]/);
    const bad = await post('/v2/models/identity/infer', text.replace('"data":[NaN', '"data":["NaN"'));
    assert.equal(bad.status, 400);
  });
  it('BYTES in binary form with length prefixes', async () => {
    const el = (s: string) => { const b = Buffer.from(s); const p = Buffer.alloc(4); p.writeUInt32LE(b.length); return Buffer.concat([p, b]); };
    const bytes = Buffer.concat([el('abc'), el('')]);
    const others = { name: 'IN_BOOL', datatype: 'BOOL', shape: [0], data: [] };
    const header = {
      inputs: [{ name: 'IN_BYTES', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: bytes.length } },
        ...['UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64'].map((t) => ({ ...others, name: `IN_${t}`, datatype: t })), others],
      outputs: [{ name: 'OUT_BYTES' }],
    };
    const { body, headerLength } = binaryBody(header, [bytes]);
    const r = await post('/v2/models/identity/infer', body, { 'inference-header-content-length': String(headerLength) });
    assert.equal(r.status, 200, r.body.toString());
    assert.deepEqual(JSON.parse(r.body.toString()).outputs[0].data, ['abc', '']);
  });
});

describe('bad requests get 400/404 with a message, and the server keeps serving', () => {
  const good = { inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };
  const cases: Array<[string, () => Promise<{ status: number; body: Buffer }>, number, RegExp]> = [
    ['malformed JSON', () => post('/v2/models/rowsum/infer', '{"inputs": [}'), 400, /parse/],
    ['wrong datatype', () => post('/v2/models/rowsum/infer', JSON.stringify({ inputs: [{ ...good.inputs[0], datatype: 'FP64' }] })), 400, /data-type is 'FP64', but model 'rowsum' expects 'FP32'/],
    ['wrong shape', () => post('/v2/models/rowsum/infer', JSON.stringify({ inputs: [{ ...good.inputs[0], shape: [1, 3], data: [1, 2, 3] }] })), 400, /expected \[-1,4\], got \[1,3\]/],
    ['element count', () => post('/v2/models/rowsum/infer', JSON.stringify({ inputs: [{ ...good.inputs[0], data: [1, 2, 3] }] })), 400, /3 elements but its shape requires 4/],
    ['batch too large', () => post('/v2/models/rowsum/infer', JSON.stringify({ inputs: [{ ...good.inputs[0], shape: [9, 4], data: new Array(36).fill(0) }] })), 400, /max_batch_size 8/],
    ['non-number element', () => post('/v2/models/rowsum/infer', JSON.stringify({ inputs: [{ ...good.inputs[0], data: [1, 2, 'x', 4] }] })), 400, /element 2 is "x"/],
    ['unknown input', () => post('/v2/models/rowsum/infer', JSON.stringify({ inputs: [{ ...good.inputs[0], name: 'foo' }] })), 400, /unexpected inference input 'foo'/],
    ['unknown output', () => post('/v2/models/rowsum/infer', JSON.stringify({ ...good, outputs: [{ name: 'nope' }] })), 400, /unexpected inference output 'nope'/],
    ['unknown model', () => post('/v2/models/ghost/infer', JSON.stringify(good)), 404, /ghost/],
    ['unknown version', () => post('/v2/models/rowsum/versions/9/infer', JSON.stringify(good)), 404, /version 9/],
    ['binary byte count', () => {
      const { body, headerLength } = binaryBody({ inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 12 } }] }, [new Uint8Array(12)]);
      return post('/v2/models/rowsum/infer', body, { 'inference-header-content-length': String(headerLength) });
    }, 400, /12 bytes of binary data, but shape \[1,4\] of FP32 needs 16/],
    ['binary size past the body', () => {
      const { body, headerLength } = binaryBody({ inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }] }, [new Uint8Array(8)]);
      return post('/v2/models/rowsum/infer', body, { 'inference-header-content-length': String(headerLength) });
    }, 400, /only 8 remain/],
    ['header length past the body', () => post('/v2/models/rowsum/infer', JSON.stringify(good), { 'inference-header-content-length': '100000' }), 400, /exceeds the body size/],
    ['bad gzip', () => post('/v2/models/rowsum/infer', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }), 400, /decompress/],
    ['oversized body', () => post('/v2/models/rowsum/infer', Buffer.alloc((1 << 20) + 1, 32)), 400, /exceeds the limit/],
    ['gzip bomb', () => post('/v2/models/rowsum/infer', zlib.gzipSync(Buffer.alloc(4 << 20, 32)), { 'content-encoding': 'gzip' }), 400, /exceeds the limit/],
  ];
  for (const [name, send, status, message] of cases) {
    it(name, async () => {
      const r = await send();
      assert.equal(r.status, status, r.body.toString());
      assert.match(JSON.parse(r.body.toString()).error, message);
      const ok = await postJson('/v2/models/rowsum/infer', good);
      assert.equal(ok.status, 200);
    });
  }
});

describe('repository extension', () => {
  it('index, unload, load', async () => {
    let r = await postJson('/v2/repository/index', {});
    assert.deepEqual(r.json.map((e: { name: string }) => e.name).sort(), ['identity', 'rowsum']);
    r = await postJson('/v2/repository/models/rowsum/unload', {});
    assert.equal(r.status, 200);
    assert.equal((await fetch(`${base}/v2/models/rowsum/ready`)).status, 404);
    r = await postJson('/v2/repository/index', { ready: true });
    assert.deepEqual(r.json.map((e: { name: string }) => e.name), ['identity']);
    r = await postJson('/v2/repository/models/rowsum/load', { parameters: { config: '{"max_batch_size": 8}', 'file:1/model.json': Buffer.from('{}').toString('base64') } });
    assert.equal(r.status, 200);
    assert.equal(repo.loads.at(-1)!.request!.files!['file:1/model.json']!.toString(), '{}');
    assert.equal((await fetch(`${base}/v2/models/rowsum/ready`)).status, 200);
  });
});

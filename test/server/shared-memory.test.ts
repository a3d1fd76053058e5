// Triton's system shared-memory extension: the region registry on its own (any folder stands in
// for /dev/shm), then end to end over HTTP (JSON and binary headers, on every HTTP thread) and
// gRPC with objects in /dev/shm, predictions checked against the fixtures.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import zlib from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type LarchServer } from '../../lib/index.js';
import { LarchError } from '../../lib/protocol/errors.js';
import { sharedMemoryInput, SystemSharedMemory, writeSharedMemoryOutputs } from '../../lib/protocol/shared-memory.js';
import { compare, filCases, LOCAL_QUIET, onnxCases, rowSlice, tempRepository, type ServedCase } from './fixture-repo.js';
import type { InferenceClient } from './grpc-client.js';
import { startServing, stopServing } from './e2e-server.js';

const code = (fn: () => unknown): string => {
  try { fn(); } catch (err) { assert.ok(LarchError.is(err), String(err)); return `${err.code}: ${err.message}`; }
  return 'no error';
};

describe('SystemSharedMemory (the region registry)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'larch-shm-'));
    writeFileSync(path.join(dir, 'obj'), Buffer.alloc(64, 7));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses registration unless allowed, saying how to allow it', () => {
    const shm = new SystemSharedMemory(false, { dir });
    assert.match(code(() => shm.register('r', '/obj', 0, 8)), /^UNSUPPORTED: .*--allow-client-shm=true/);
    assert.deepEqual(shm.status(), []);
  });

  it('registers, reports, reads, writes and unregisters regions', () => {
    const shm = new SystemSharedMemory(true, { dir });
    shm.register('a', '/obj', 16, 32);
    shm.register('b', 'obj', 0, 64);  // the leading slash of a shm_open name is optional
    assert.deepEqual(shm.status('a'), [{ name: 'a', key: '/obj', offset: 16, byte_size: 32 }]);
    assert.equal(shm.status().length, 2);
    shm.write({ region: 'a', offset: 4, byteSize: 8 }, Buffer.from('ABCDEFGH'), 'output o');
    const file = readFileSync(path.join(dir, 'obj'));
    assert.equal(file.toString('latin1', 20, 28), 'ABCDEFGH');  // region offset 16 + tensor offset 4
    assert.equal(shm.read({ region: 'b', offset: 20, byteSize: 8 }, 'input i').toString(), 'ABCDEFGH');
    shm.unregister('a');
    shm.unregister('a');  // unknown: no error, as in Triton
    assert.match(code(() => shm.status('a')), /^NOT_FOUND: .*'a'/);
    shm.unregister();
    assert.deepEqual(shm.status(), []);
  });

  it('refuses bad registrations with the reason', () => {
    const shm = new SystemSharedMemory(true, { dir });
    assert.match(code(() => shm.register('r', '/missing', 0, 8)), /^INVALID_ARGUMENT: unable to open shared-memory object "\/missing".*ENOENT/);
    assert.match(code(() => shm.register('r', '/obj', 60, 8)), /extends past the end of "\/obj" \(64 bytes\)/);
    assert.match(code(() => shm.register('r', '../etc/passwd', 0, 8)), /not a shm_open name/);
    assert.match(code(() => shm.register('r', '/', 0, 8)), /not a shm_open name/);
    assert.match(code(() => shm.register('', '/obj', 0, 8)), /non-empty "name"/);
    assert.match(code(() => shm.register('r', '/obj', -1, 8)), /"offset" must be a non-negative integer/);
    assert.match(code(() => shm.register('r', '/obj', 0, 1.5)), /"byte_size" must be a non-negative integer/);
    symlinkSync('/etc/hostname', path.join(dir, 'link'));
    assert.match(code(() => shm.register('r', '/link', 0, 1)), /unable to open .*ELOOP/);  // no symbolic links
    shm.register('r', '/obj', 0, 8);
    assert.match(code(() => shm.register('r', '/obj', 0, 8)), /^ALREADY_EXISTS: .*'r'/);
    shm.close();
  });

  it('checks every tensor against its region, and survives an object that shrank', () => {
    const shm = new SystemSharedMemory(true, { dir });
    writeFileSync(path.join(dir, 'shrinks'), Buffer.alloc(32));
    shm.register('s', '/shrinks', 0, 32);
    assert.match(code(() => shm.read({ region: 'nope', offset: 0, byteSize: 4 }, "input 'x'")), /input 'x' names shared-memory region 'nope', which is not registered/);
    assert.match(code(() => shm.read({ region: 's', offset: 30, byteSize: 4 }, "input 'x'")), /offset 30 \+ byte_size 4 exceed shared-memory region 's' \(32 bytes\)/);
    assert.match(code(() => shm.write({ region: 's', offset: 0, byteSize: 4 }, Buffer.alloc(8), "output 'y'")), /has 8 bytes but its shared_memory_byte_size is 4/);
    // A client may shrink its object after registering it: the read fails, nothing crashes.
    truncateSync(path.join(dir, 'shrinks'), 8);
    assert.match(code(() => shm.read({ region: 's', offset: 0, byteSize: 16 }, "input 'x'")), /shorter than when it was registered/);
    shm.close();
  });

  it('regions of one object share its descriptor; the numbers of regions and objects are bounded', () => {
    const shm = new SystemSharedMemory(true, { dir });
    shm.register('one', '/obj', 0, 8);
    shm.register('two', '/obj', 8, 8);
    shm.unregister('one');
    assert.equal(shm.read({ region: 'two', offset: 0, byteSize: 8 }, 'input i').length, 8);  // still open
    shm.unregister();
    for (let i = 0; i < 4096; i++) shm.register(`r${i}`, '/obj', 0, 1);
    assert.match(code(() => shm.register('r4096', '/obj', 0, 1)), /^RESOURCE_EXHAUSTED: 4096 shared-memory regions/);
    shm.unregister();
    for (let i = 0; i < 256; i++) {
      writeFileSync(path.join(dir, `o${i}`), Buffer.alloc(1));
      shm.register(`o${i}`, `/o${i}`, 0, 1);
    }
    writeFileSync(path.join(dir, 'o256'), Buffer.alloc(1));
    assert.match(code(() => shm.register('o256', '/o256', 0, 1)), /^RESOURCE_EXHAUSTED: regions of 256 shared-memory objects/);
    shm.unregister('o0');
    shm.register('o256', '/o256', 0, 1);
    shm.close();
  });

  it('inputs above the largest accepted input are refused before anything is read', () => {
    writeFileSync(path.join(dir, 'big'), Buffer.alloc(4096));
    const shm = new SystemSharedMemory(true, { dir, maxInputBytes: 1024 });
    shm.register('big', '/big', 0, 4096);
    assert.match(code(() => shm.read({ region: 'big', offset: 0, byteSize: 2048 }, "input 'x'")), /^PAYLOAD_TOO_LARGE: input 'x' has 2048 bytes in shared memory, more than the largest accepted input \(1024 bytes/);
    shm.close();
  });

  it('BYTES tensors travel as length-prefixed elements; no output is written when one does not fit', () => {
    writeFileSync(path.join(dir, 'bytes'), Buffer.alloc(64));
    const shm = new SystemSharedMemory(true, { dir });
    shm.register('b', '/bytes', 0, 64);
    writeSharedMemoryOutputs(shm, [{ tensor: { name: 's', datatype: 'BYTES', shape: [2], data: [Buffer.from('hé'), Buffer.from('')] }, sharedMemory: { region: 'b', offset: 0, byteSize: 16 } }]);
    const back = sharedMemoryInput(shm, { region: 'b', offset: 0, byteSize: 11 }, 'BYTES', 2, "input 's'") as Buffer[];
    assert.deepEqual(back.map((e) => e.toString()), ['hé', '']);
    const before = readFileSync(path.join(dir, 'bytes'));
    const outputs = [
      { tensor: { name: 'a', datatype: 'FP32' as const, shape: [1], data: new Float32Array([1]) }, sharedMemory: { region: 'b', offset: 32, byteSize: 4 } },
      { tensor: { name: 'c', datatype: 'FP32' as const, shape: [2], data: new Float32Array([1, 2]) }, sharedMemory: { region: 'b', offset: 40, byteSize: 4 } },
    ];
    assert.throws(() => writeSharedMemoryOutputs(shm, outputs), /output 'c' has 8 bytes but its shared_memory_byte_size is 4/);
    assert.deepEqual(readFileSync(path.join(dir, 'bytes')), before);  // 'a' was not written either
    shm.close();
  });
});

// ---- end to end ----

const keys: string[] = [];
/** A shared-memory object in /dev/shm holding `bytes` (what shm_open + ftruncate + mmap give a client). */
function shmObject(name: string, bytes: Uint8Array | number): string {
  const key = `/larch-test-${process.pid}-${name}`;
  writeFileSync(path.join('/dev/shm', key), typeof bytes === 'number' ? Buffer.alloc(bytes) : bytes);
  keys.push(key);
  return key;
}
const shmFile = (key: string) => path.join('/dev/shm', key);

describe('shared memory end to end', { skip: !existsSync('/dev/shm') && 'no /dev/shm on this machine' }, () => {
  let root = '';
  let server: LarchServer;
  let base = '';
  let grpc: InferenceClient;
  let fil: ServedCase;
  let onnx: ServedCase;

  before(async () => {
    root = tempRepository();
    [fil] = filCases(root, ['xgb_multi_softprob4.probability']);
    onnx = onnxCases(root).find((c) => c.model === 'two_inputs_two_outputs')!;
    // Three HTTP threads: a request landing on a worker thread is handed to the main thread,
    // which holds the regions.
    ({ server, base, grpc } = await startServing(root, { httpThreadCount: 3, allowClientShm: true }));
  });
  after(async () => {
    await stopServing({ server, grpc }, root);
    for (const k of keys) rmSync(shmFile(k), { force: true });
  });

  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${url}`, { method: 'POST', body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body), headers });

  it('the HTTP region endpoints register, list and unregister', async () => {
    const key = shmObject('listed', 128);
    assert.equal((await post('/v2/systemsharedmemory/region/listed/register', { key, offset: 0, byte_size: 128 })).status, 200);
    const all = await (await fetch(`${base}/v2/systemsharedmemory/status`)).json();
    assert.deepEqual(all, [{ name: 'listed', key, offset: 0, byte_size: 128 }]);
    const one = await fetch(`${base}/v2/systemsharedmemory/region/listed/status`);
    assert.equal(one.status, 200);
    const again = await post('/v2/systemsharedmemory/region/listed/register', { key, offset: 0, byte_size: 128 });
    assert.equal(again.status, 400);  // ALREADY_EXISTS, as Triton answers it
    assert.equal((await post('/v2/systemsharedmemory/region/listed/unregister', '')).status, 200);
    assert.equal((await fetch(`${base}/v2/systemsharedmemory/region/listed/status`)).status, 404);
    const server = await (await fetch(`${base}/v2`)).json() as { extensions: string[] };
    assert.ok(server.extensions.includes('system_shared_memory'));
  });

  it('CUDA shared memory is refused with the reason; its status is empty', async () => {
    const r = await post('/v2/cudasharedmemory/region/g/register', { raw_handle: { b64: 'AAAA' }, device_id: 0, byte_size: 4 });
    assert.equal(r.status, 501);  // UNSUPPORTED, as Triton's HTTP server answers it
    assert.match(((await r.json()) as { error: string }).error, /CUDA shared memory is not supported/);
    assert.deepEqual(await (await fetch(`${base}/v2/cudasharedmemory/status`)).json(), []);
  });

  it('HTTP: inputs from and outputs to regions, JSON and binary headers, on every HTTP thread', async () => {
    const perRow = fil.inputs[0]!.perRow, width = fil.outputs[0]!.perRow;
    const n = 5, requests = 12;
    const inBytes = 4 * perRow * n, outBytes = 4 * width * n;
    // Request k reads its rows at k * inBytes and writes its answer at k * outBytes.
    const input = Buffer.alloc(64 + inBytes * requests);
    for (let k = 0; k < requests; k++) {
      const rows = rowSlice(fil.inputs[0]!, k * 7, n);
      Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).copy(input, 64 + k * inBytes);
    }
    const inKey = shmObject('fil-in', input);
    const outKey = shmObject('fil-out', 16 + outBytes * requests);
    assert.equal((await post('/v2/systemsharedmemory/region/fil_in/register', { key: inKey, offset: 64, byte_size: inBytes * requests })).status, 200);
    assert.equal((await post('/v2/systemsharedmemory/region/fil_out/register', { key: outKey, offset: 16, byte_size: outBytes * requests })).status, 200);
    // All at once, each on its own connection, so they spread over the three HTTP threads; the
    // same JSON but for the offsets: a cached plan must not stand in for reading the region.
    await Promise.all(Array.from({ length: requests }, async (_, k) => {
      const body = JSON.stringify({
        inputs: [{ name: 'input__0', datatype: 'FP32', shape: [n, perRow], parameters: { shared_memory_region: 'fil_in', shared_memory_byte_size: inBytes, shared_memory_offset: k * inBytes } }],
        outputs: [{ name: 'output__0', parameters: { shared_memory_region: 'fil_out', shared_memory_byte_size: outBytes, shared_memory_offset: k * outBytes } }],
      });
      const headers: Record<string, string> = { connection: 'close' };
      if (k % 2 === 1) headers['inference-header-content-length'] = String(Buffer.byteLength(body));
      const r = await post(`/v2/models/${fil.model}/infer`, body, headers);
      const text = await r.text();
      assert.equal(r.status, 200, text);
      assert.deepEqual(JSON.parse(text).outputs, [{ name: 'output__0', datatype: 'FP32', shape: [n, width] }]);
    }));
    const out = readFileSync(shmFile(outKey));
    for (let k = 0; k < requests; k++) {
      const bytes = out.subarray(16 + k * outBytes, 16 + (k + 1) * outBytes);
      const got = new Float32Array(Uint8Array.prototype.slice.call(bytes).buffer);
      assert.equal(compare(got, rowSlice(fil.outputs[0]!, k * 7, n) as Float32Array, fil.outputs[0]!.tolerance), '', `request ${k}`);
    }
    await post('/v2/systemsharedmemory/unregister', '');
  });

  it('HTTP: an output-only region with binary inputs, compressed bodies, bad output regions fail before the model runs', async () => {
    const perRow = fil.inputs[0]!.perRow, width = fil.outputs[0]!.perRow;
    const n = 2, requests = 9;
    const outKey = shmObject('fil-out-only', 4 * width * n * requests);
    await post('/v2/systemsharedmemory/region/out_only/register', { key: outKey, offset: 0, byte_size: 4 * width * n * requests });
    const body = (k: number, region = 'out_only') => {
      const rows = rowSlice(fil.inputs[0]!, k * 3, n);
      const header = Buffer.from(JSON.stringify({
        inputs: [{ name: 'input__0', datatype: 'FP32', shape: [n, perRow], parameters: { binary_data_size: rows.byteLength } }],
        outputs: [{ name: 'output__0', parameters: { shared_memory_region: region, shared_memory_byte_size: 4 * width * n, shared_memory_offset: k * 4 * width * n } }],
      }));
      return [Buffer.concat([header, Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength)]), header.length] as const;
    };
    const encodings = [['identity', (b: Buffer) => b], ['gzip', zlib.gzipSync], ['deflate', zlib.deflateSync]] as const;
    await Promise.all(Array.from({ length: requests }, async (_, k) => {
      const [raw, headerLength] = body(k);
      const [encoding, encode] = encodings[k % 3]!;
      const r = await post(`/v2/models/${fil.model}/infer`, encode(raw), { connection: 'close', 'content-encoding': encoding, 'inference-header-content-length': String(headerLength) });
      assert.equal(r.status, 200, await r.text());
    }));
    const out = readFileSync(shmFile(outKey));
    for (let k = 0; k < requests; k++) {
      const bytes = out.subarray(k * 4 * width * n, (k + 1) * 4 * width * n);
      const got = new Float32Array(Uint8Array.prototype.slice.call(bytes).buffer);
      assert.equal(compare(got, rowSlice(fil.outputs[0]!, k * 3, n) as Float32Array, fil.outputs[0]!.tolerance), '', `request ${k}`);
    }
    // An unregistered output region fails the request before the model runs: no success counted.
    const successes = async () => ((await (await fetch(`${base}/v2/models/${fil.model}/stats`)).json()) as { model_stats: Array<{ inference_stats: { success: { count: number } } }> }).model_stats[0]!.inference_stats.success.count;
    const before = await successes();
    for (let k = 0; k < 4; k++) {
      const [raw, headerLength] = body(0, 'not_registered');
      const r = await post(`/v2/models/${fil.model}/infer`, raw, { connection: 'close', 'inference-header-content-length': String(headerLength) });
      assert.equal(r.status, 400);
      assert.match(((await r.json()) as { error: string }).error, /output 'output__0' names shared-memory region 'not_registered', which is not registered/);
    }
    assert.equal(await successes(), before);
    await post('/v2/systemsharedmemory/unregister', '');
  });

  it('gRPC ModelStreamInfer: outputs to a region, a bad region answered on the stream', async () => {
    const perRow = fil.inputs[0]!.perRow, width = fil.outputs[0]!.perRow;
    const key = shmObject('stream-out', 4 * width * 4);
    await grpc.call('SystemSharedMemoryRegister', { name: 'stream_out', key, offset: 0, byte_size: 4 * width * 4 });
    const rows = rowSlice(fil.inputs[0]!, 10, 4);
    const request = (region: string) => ({
      model_name: fil.model, id: region,
      inputs: [{ name: 'input__0', datatype: 'FP32', shape: [4, perRow] }],
      outputs: [{ name: 'output__0', parameters: { shared_memory_region: { string_param: region }, shared_memory_byte_size: { int64_param: 4 * width * 4 } } }],
      raw_input_contents: [Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength)],
    });
    const stream = grpc.stream();
    const replies: Array<Record<string, any>> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    const done = new Promise<void>((resolve, reject) => { stream.on('data', (m) => replies.push(m)); stream.on('end', resolve); stream.on('error', reject); });
    stream.write(request('stream_out'));
    stream.write(request('missing_region'));
    stream.end();
    await done;
    assert.equal(replies.length, 2);
    const ok = replies.find((m) => m.infer_response?.id === 'stream_out')!;
    assert.equal(ok.error_message, '');
    assert.equal(ok.infer_response.raw_output_contents[0].length, 0);
    const bad = replies.find((m) => m.error_message)!;
    assert.match(bad.error_message, /'missing_region', which is not registered/);
    const got = new Float32Array(Uint8Array.prototype.slice.call(readFileSync(shmFile(key))).buffer);
    assert.equal(compare(got, rowSlice(fil.outputs[0]!, 10, 4) as Float32Array, fil.outputs[0]!.tolerance), '');
    await grpc.call('SystemSharedMemoryUnregister', { name: '' });
  });

  it('gRPC: a region input beside a raw one, a region output beside a raw one', async () => {
    const rows = 3;
    const x = rowSlice(onnx.inputs[0]!, 0, rows), kk = rowSlice(onnx.inputs[1]!, 0, rows);
    const xKey = shmObject('onnx-x', Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    const yKey = shmObject('onnx-y', 256);
    await grpc.call('SystemSharedMemoryRegister', { name: 'x_region', key: xKey, offset: 0, byte_size: x.byteLength });
    await grpc.call('SystemSharedMemoryRegister', { name: 'y_region', key: yKey, offset: 0, byte_size: 256 });
    const status = await grpc.call('SystemSharedMemoryStatus', { name: 'x_region' });
    assert.equal(status.regions.x_region.key, xKey);
    const shm = (region: string, size: number) => ({
      shared_memory_region: { string_param: region }, shared_memory_byte_size: { int64_param: size },
    });
    const [y, z] = onnx.outputs;
    const res = await grpc.call('ModelInfer', {
      model_name: onnx.model,
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [rows, onnx.inputs[0]!.perRow], parameters: shm('x_region', x.byteLength) },
        { name: 'k', datatype: 'INT64', shape: [rows] },
      ],
      outputs: [{ name: 'y', parameters: shm('y_region', 256) }, { name: 'z' }],
      raw_input_contents: [Buffer.from(kk.buffer, kk.byteOffset, kk.byteLength)],
    });
    // One raw_output_contents entry per output, empty for the one in shared memory.
    assert.equal(res.raw_output_contents.length, 2);
    assert.equal(res.raw_output_contents[0].length, 0);
    const zGot = new BigInt64Array(Uint8Array.prototype.slice.call(res.raw_output_contents[1]).buffer);
    assert.equal(compare(zGot, rowSlice(z!, 0, rows) as BigInt64Array, z!.tolerance), '');
    const yBytes = readFileSync(shmFile(yKey)).subarray(0, rows * y!.perRow * 4);
    const yGot = new Float32Array(Uint8Array.prototype.slice.call(yBytes).buffer);
    assert.equal(compare(yGot, rowSlice(y!, 0, rows) as Float32Array, y!.tolerance), '');
    await grpc.call('SystemSharedMemoryUnregister', { name: '' });
    assert.deepEqual((await grpc.call('SystemSharedMemoryStatus', {})).regions, {});
    await assert.rejects(grpc.call('CudaSharedMemoryRegister', { name: 'g', raw_handle: Buffer.alloc(8), device_id: 0, byte_size: 8 }), /CUDA shared memory is not supported/);
  });

  it('bad shared-memory requests get 400 / INVALID_ARGUMENT and the server keeps serving', async () => {
    const key = shmObject('bad', 4096);
    await post('/v2/systemsharedmemory/region/bad/register', { key, offset: 0, byte_size: 4096 });
    const perRow = fil.inputs[0]!.perRow;
    const input = (params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      ({ inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, perRow], parameters: params, ...extra }] });
    const cases: Array<[unknown, RegExp]> = [
      [input({ shared_memory_region: 'ghost', shared_memory_byte_size: 4 * perRow }), /region 'ghost', which is not registered/],
      [input({ shared_memory_region: 'bad' }), /both "shared_memory_region" and "shared_memory_byte_size"/],
      [input({ shared_memory_region: 'bad', shared_memory_byte_size: 8 }), /shared_memory_byte_size 8, but 15 elements of FP32 take 60 bytes/],
      [input({ shared_memory_region: 'bad', shared_memory_byte_size: 4 * perRow, shared_memory_offset: 4090 }), /exceed shared-memory region 'bad'/],
      [input({ shared_memory_region: 'bad', shared_memory_byte_size: 4 * perRow }, { data: new Array(perRow).fill(0) }), /also has "data"/],
      [{ ...input({ shared_memory_region: 'bad', shared_memory_byte_size: 4 * perRow }), outputs: [{ name: 'output__0', parameters: { shared_memory_region: 'bad', shared_memory_byte_size: 2 } }] }, /output 'output__0'.* shared_memory_byte_size is 2/],
      [{ ...input({ shared_memory_region: 'bad', shared_memory_byte_size: 4 * perRow }), outputs: [{ name: 'output__0', parameters: { classification: 2, shared_memory_region: 'bad', shared_memory_byte_size: 64 } }] }, /classification results cannot go to shared memory/],
    ];
    for (const [doc, want] of cases) {
      const r = await post(`/v2/models/${fil.model}/infer`, doc);
      const text = await r.text();
      assert.equal(r.status, 400, text);
      assert.match(JSON.parse(text).error, want);
    }
    assert.equal((await fetch(`${base}/v2/health/live`)).status, 200);
    await post('/v2/systemsharedmemory/unregister', '');
  });

  it('a server started without --allow-client-shm refuses registration', async () => {
    const plain = await createServer({ ...LOCAL_QUIET, modelRepository: root, httpThreadCount: 1, allowGrpc: false, allowMetrics: false });
    try {
      const r = await fetch(`http://127.0.0.1:${plain.httpPort}/v2/systemsharedmemory/region/r/register`, {
        method: 'POST', body: JSON.stringify({ key: shmObject('refused', 8), offset: 0, byte_size: 8 }),
      });
      assert.equal(r.status, 501);
      assert.match(((await r.json()) as { error: string }).error, /--allow-client-shm=true/);
    } finally {
      await plain.close();
    }
  });
});

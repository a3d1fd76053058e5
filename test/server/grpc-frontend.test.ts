// The gRPC front end over in-memory fakes, driven by a generic protobuf client: every RPC, raw and
// typed contents for every datatype, streaming, and bad requests mapped to gRPC status codes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GrpcFrontEnd } from '../../lib/grpc/server.js';
import { FakeRepository, IdentityModel, RowSumModel } from './fakes.js';
import { grpcClient, type InferenceClient } from './grpc-client.js';

const repo = new FakeRepository([new RowSumModel(), new IdentityModel()]);
let server: GrpcFrontEnd;
let client: InferenceClient;

before(async () => {
  server = new GrpcFrontEnd({ repository: repo, port: 0, host: '127.0.0.1' });
  client = grpcClient(await server.listen());
});
after(async () => { client.close(); await server.stop(); });

const f32 = (xs: number[]) => Buffer.from(new Float32Array(xs).buffer);

describe('gRPC', () => {
  it('health, metadata, config, statistics', async () => {
    assert.equal((await client.call('ServerLive', {})).live, true);
    assert.equal((await client.call('ServerReady', {})).ready, true);
    assert.equal((await client.call('ModelReady', { name: 'rowsum' })).ready, true);
    assert.equal((await client.call('ModelReady', { name: 'rowsum', version: '3' })).ready, false);  // no error, as Triton
    const sm = await client.call('ServerMetadata', {});
    assert.equal(sm.name, 'larch');
    const mm = await client.call('ModelMetadata', { name: 'rowsum' });
    assert.deepEqual(mm.inputs, [{ name: 'input__0', datatype: 'FP32', shape: ['-1', '4'] }]);
    const cfg = await client.call('ModelConfig', { name: 'rowsum' });
    assert.equal(cfg.config.max_batch_size, 8);
    assert.equal(cfg.config.input[0].data_type, 'TYPE_FP32');
    const st = await client.call('ModelStatistics', { name: 'rowsum' });
    assert.equal(st.model_stats[0].name, 'rowsum');
  });

  it('ModelInfer with raw_input_contents returns raw_output_contents', async () => {
    const res = await client.call('ModelInfer', {
      model_name: 'rowsum', id: 'g1',
      inputs: [{ name: 'input__0', datatype: 'FP32', shape: [2, 4] }],
      raw_input_contents: [f32([1, 2, 3, 4, 5, 6, 7, 8])],
    });
    assert.equal(res.id, 'g1');
    assert.equal(res.model_version, '1');
    assert.deepEqual(res.parameters.larch_run, { string_param: 'FakeFlow/1', parameter_choice: 'string_param' });
    assert.deepEqual(res.outputs.map((o: { name: string }) => o.name), ['output__0', 'output__1']);
    assert.deepEqual(res.outputs[0].shape, ['2', '1']);
    const sums = new Float32Array(new Uint8Array(res.raw_output_contents[0]).buffer);
    assert.deepEqual(Array.from(sums), [10, 26]);
  });

  it('typed contents for every datatype', async () => {
    const cases: Record<string, [string, unknown[]]> = {
      BOOL: ['bool_contents', [true, false]], UINT8: ['uint_contents', [0, 255]], UINT16: ['uint_contents', [1, 65535]],
      UINT32: ['uint_contents', [0, 4294967295]], UINT64: ['uint64_contents', ['0', '18446744073709551615']],
      INT8: ['int_contents', [-128, 127]], INT16: ['int_contents', [-32768, 5]], INT32: ['int_contents', [-2147483648, 7]],
      INT64: ['int64_contents', ['-9223372036854775808', '9223372036854775807']], FP32: ['fp32_contents', [0.5, -2]],
      FP64: ['fp64_contents', [0.1, 1e300]], BYTES: ['bytes_contents', [Buffer.from('a'), Buffer.from('xyz')]],
    };
    const inputs = Object.entries(cases).map(([t, [field, data]]) => ({ name: `IN_${t}`, datatype: t, shape: [2], contents: { [field]: data } }));
    // FP16 has no typed field: it must come raw, so this request cannot include it.
    const fp16 = { name: 'IN_FP16', datatype: 'FP16', shape: [2], contents: { uint_contents: [1, 2] } };
    await assert.rejects(client.call('ModelInfer', { model_name: 'identity', inputs: [...inputs, fp16] }), (e: { code: number; details: string }) => e.code === 3 && /FP16 data must be sent in raw_input_contents/.test(e.details));
    // An empty FP16 tensor needs no contents at all.
    const res = await client.call('ModelInfer', { model_name: 'identity', inputs: [...inputs, { ...fp16, contents: undefined, shape: [0] }] });
    const byName = new Map<string, { i: number }>();
    res.outputs.forEach((o: { name: string }, i: number) => byName.set(o.name, { i }));
    const raw = (t: string) => Buffer.from(res.raw_output_contents[byName.get(`OUT_${t}`)!.i]);
    const i32 = raw('INT32');
    assert.deepEqual([i32.readInt32LE(0), i32.readInt32LE(4)], [-2147483648, 7]);
    assert.equal(raw('INT32').length, 8);
    const i64 = raw('INT64');
    assert.equal(i64.readBigInt64LE(0), -9223372036854775808n);
    assert.equal(i64.readBigInt64LE(8), 9223372036854775807n);
    assert.equal(raw('UINT64').readBigUInt64LE(8), 18446744073709551615n);
    assert.deepEqual([...raw('BOOL')], [1, 0]);
    assert.equal(raw('FP64').readDoubleLE(8), 1e300);
    const b = raw('BYTES');
    assert.equal(b.readUInt32LE(0), 1);
    assert.equal(b.toString('utf8', 4, 5), 'a');
    assert.equal(b.toString('utf8', 9, 12), 'xyz');
  });

  it('the classification parameter over gRPC (what tritonclient.grpc sends for class_count)', async () => {
    const res = await client.call('ModelInfer', {
      model_name: 'rowsum', inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4] }],
      outputs: [{ name: 'output__1', parameters: { classification: { int64_param: 1 } } }],
      raw_input_contents: [f32([1, 9, 3, 4])],
    });
    assert.equal(res.outputs[0].datatype, 'BYTES');
    const raw = Buffer.from(res.raw_output_contents[0]);
    assert.equal(raw.toString('utf8', 4), '18.000000:1');
  });

  it('bad requests map to INVALID_ARGUMENT / NOT_FOUND and the server keeps serving', async () => {
    const good = { model_name: 'rowsum', inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [f32([1, 2, 3, 4])] };
    const bad: Array<[unknown, number, RegExp]> = [
      [{ ...good, model_name: 'ghost' }, 5, /ghost/],
      [{ ...good, model_version: '9' }, 5, /version 9/],
      [{ ...good, inputs: [{ ...good.inputs[0], datatype: 'INT32' }] }, 3, /data-type is 'INT32'/],
      [{ ...good, inputs: [{ ...good.inputs[0], shape: [1, 5] }] }, 3, /expected \[-1,4\], got \[1,5\]/],
      [{ ...good, raw_input_contents: [f32([1, 2, 3])] }, 3, /12 bytes, but shape \[1,4\] of FP32 needs 16/],
      [{ ...good, raw_input_contents: [] , inputs: [{ ...good.inputs[0], contents: { fp32_contents: [1, 2] } }] }, 3, /2 elements but the shape requires 4/],
      [{ ...good, outputs: [{ name: 'zzz' }] }, 3, /unexpected inference output 'zzz'/],
    ];
    for (const [req, code, re] of bad) {
      await assert.rejects(client.call('ModelInfer', req as Record<string, unknown>), (e: { code: number; details: string }) => {
        assert.equal(e.code, code, e.details);
        assert.match(e.details, re);
        return true;
      });
      const ok = await client.call('ModelInfer', good);
      assert.equal(ok.outputs.length, 2);
    }
  });

  it('ModelStreamInfer answers each request, errors in error_message', async () => {
    const stream = client.stream();
    const got: Array<Record<string, any>> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    const done = new Promise<void>((resolve, reject) => { stream.on('data', (m) => got.push(m)); stream.on('end', resolve); stream.on('error', reject); });
    for (let i = 0; i < 3; i++) {
      stream.write({ model_name: 'rowsum', id: `s${i}`, inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [f32([i, i, i, i])] });
    }
    stream.write({ model_name: 'ghost', inputs: [] });
    stream.end();
    await done;
    assert.equal(got.length, 4);
    const ok = got.filter((m) => !m.error_message).sort((a, b) => a.infer_response.id.localeCompare(b.infer_response.id));
    assert.deepEqual(ok.map((m) => new Float32Array(new Uint8Array(m.infer_response.raw_output_contents[0]).buffer)[0]), [0, 4, 8]);
    assert.match(got.find((m) => m.error_message)!.error_message, /ghost/);
  });

  it('repository index, unload, load', async () => {
    const idx = await client.call('RepositoryIndex', {});
    assert.deepEqual(idx.models.map((m: { name: string }) => m.name).sort(), ['identity', 'rowsum']);
    await client.call('RepositoryModelUnload', { model_name: 'rowsum' });
    assert.equal((await client.call('ModelReady', { name: 'rowsum' })).ready, false);
    await client.call('RepositoryModelLoad', { model_name: 'rowsum', parameters: { config: { string_param: '{"max_batch_size":8}' }, 'file:1/m.json': { bytes_param: Buffer.from('{}') } } });
    assert.equal(repo.loads.at(-1)!.request!.config, '{"max_batch_size":8}');
    assert.equal(repo.loads.at(-1)!.request!.files!['file:1/m.json']!.toString(), '{}');
    assert.equal((await client.call('ModelReady', { name: 'rowsum' })).ready, true);
  });
});

// ONNX models through the library: the fixtures' expected outputs, every KServe datatype, and
// clear errors for bad models and bad requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadOnnxModel, onnxAvailability } from '../../lib/onnx/index.js';
import { LarchError } from '../../lib/protocol/errors.js';
import type { DataType, Tensor, TensorData } from '../../lib/backends/types.js';
import { assertOutputsMatch, onnxCases, sliceRows } from './onnx-fixtures.js';
import { OnnxType, buildModel, identityModel } from './onnx-builder.js';

const availability = onnxAvailability();

test('ONNX availability is reported with a reason when missing', () => {
  if (availability.available) {
    assert.match(availability.version, /^\d+\.\d+/);
    assert.ok(availability.apiVersion >= 16);
  } else {
    assert.ok(availability.reason.length > 10, 'a reason is given');
  }
});

if (!availability.available) {
  test('without ONNX Runtime, loading an ONNX model fails with UNAVAILABLE and the reason', async () => {
    const [c] = onnxCases();
    await assert.rejects(loadOnnxModel(c!.modelFile), (err: unknown) => {
      assert.ok(LarchError.is(err));
      assert.equal(err.code, 'UNAVAILABLE');
      assert.ok(err.message.includes(availability.reason));
      return true;
    });
  });
} else {
  async function rejectsWith(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(LarchError.is(err), `a LarchError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      assert.match(err.message, pattern);
      return true;
    });
  }

  for (const c of onnxCases()) {
    test(`fixture ${c.id}: whole input in one request`, async () => {
      const model = await loadOnnxModel(c.modelFile);
      assert.equal(model.platform, 'onnxruntime_onnx');
      assertOutputsMatch(c, await model.infer(c.inputs));
      await model.unload();
    });

    test(`fixture ${c.id}: concurrent single-row requests are batched and each gets its own row`, async () => {
      const model = await loadOnnxModel(c.modelFile);
      const n = Math.min(c.inputs[0]!.shape[0]!, 64);
      const results = await Promise.all(Array.from({ length: n }, (_, r) => model.infer(c.inputs.map((t) => sliceRows(t, r, 1)))));
      results.forEach((out, r) => assertOutputsMatch(c, out, c.expected.map((t) => sliceRows(t, r, 1))));
      const stats = model.stats();
      assert.equal(stats.success.count, 1, 'requests made in one turn run as one batch');
      assert.equal(stats.inferenceCount, n);
      assert.deepEqual(stats.batchStats.map((b) => b.batchSize), [n]);
      await model.unload();
    });

    test(`fixture ${c.id}: with 2 instances on worker threads, each request gets its own rows`, async () => {
      const model = await loadOnnxModel(c.modelFile, { instances: 2 });
      const rows = c.inputs[0]!.shape[0]!;
      const results = await Promise.all(Array.from({ length: 10 }, (_, r) => model.infer(c.inputs.map((t) => sliceRows(t, r * 3, 3)))));
      results.forEach((out, r) => assertOutputsMatch(c, out, c.expected.map((t) => sliceRows(t, r * 3, 3))));
      assert.ok(rows >= 30);
      await model.unload();
    });
  }

  test('a bad request merged into a batch fails alone; the others get their answers', async () => {
    const model = await loadOnnxModel(identityModel(OnnxType.BOOL), { name: 'bools' });
    const ok = (v: number) => model.infer([{ name: 'x', datatype: 'BOOL', shape: [1, 3], data: Uint8Array.from([v, 0, 1]) }]);
    const results = await Promise.allSettled([ok(1), ok(2), ok(0)]);
    assert.equal(results[0]!.status, 'fulfilled');
    assert.equal(results[2]!.status, 'fulfilled');
    assert.equal(results[1]!.status, 'rejected');
    assert.match(String((results[1] as PromiseRejectedResult).reason.message), /BOOL values must be 0 or 1/);
    assert.deepEqual(Array.from((results[2] as PromiseFulfilledResult<Tensor[]>).value[0]!.data as Uint8Array), [0, 0, 1]);
    const bad = await loadOnnxModel(identityModel(OnnxType.BOOL), { name: 'bools2', instances: 2 });
    await rejectsWith(bad.infer([{ name: 'x', datatype: 'BOOL', shape: [1, 3], data: Uint8Array.from([3, 0, 1]) }]), 'INVALID_ARGUMENT', /BOOL values/);
    await rejectsWith(bad.infer([{ name: 'x', datatype: 'BOOL', shape: [1, 3], data: new Uint8Array(2) }]), 'INVALID_ARGUMENT', /needs 3 bytes, got 2/);
    await model.unload();
    await bad.unload();
  });

  test('the model declares its inputs and outputs with the batch dimension split off', async () => {
    const c = onnxCases().find((x) => x.id === 'onnx_two_inputs_two_outputs')!;
    const model = await loadOnnxModel(c.modelFile);
    assert.equal(model.maxBatchSize, 1024);
    assert.deepEqual(model.inputs, [{ name: 'x', datatype: 'FP32', dims: [4] }, { name: 'k', datatype: 'INT64', dims: [] }]);
    assert.deepEqual(model.outputs, [{ name: 'y', datatype: 'FP32', dims: [4] }, { name: 'z', datatype: 'INT64', dims: [] }]);
    const only = await model.infer(c.inputs, { outputs: ['z'] });
    assert.deepEqual(only.map((t) => t.name), ['z']);
    const stats = model.stats();
    assert.equal(stats.success.count, 1);
    assert.equal(stats.inferenceCount, c.inputs[0]!.shape[0]);
    await model.unload();
  });

  // Every KServe datatype through an Identity model: values come back unchanged.
  const samples: Array<[DataType, number, TensorData]> = [
    ['BOOL', OnnxType.BOOL, Uint8Array.from([1, 0, 1, 1, 0, 0])],
    ['UINT8', OnnxType.UINT8, Uint8Array.from([0, 1, 2, 253, 254, 255])],
    ['UINT16', OnnxType.UINT16, Uint16Array.from([0, 1, 65535, 7, 8, 9])],
    ['UINT32', OnnxType.UINT32, Uint32Array.from([0, 1, 4294967295, 7, 8, 9])],
    ['UINT64', OnnxType.UINT64, BigUint64Array.from([0n, 1n, 18446744073709551615n, 7n, 8n, 9n])],
    ['INT8', OnnxType.INT8, Int8Array.from([-128, -1, 0, 1, 127, 5])],
    ['INT16', OnnxType.INT16, Int16Array.from([-32768, -1, 0, 1, 32767, 5])],
    ['INT32', OnnxType.INT32, Int32Array.from([-2147483648, -1, 0, 1, 2147483647, 5])],
    ['INT64', OnnxType.INT64, BigInt64Array.from([-9223372036854775808n, -1n, 0n, 1n, 9223372036854775807n, 5n])],
    ['FP16', OnnxType.FLOAT16, Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7e00])],
    ['FP32', OnnxType.FLOAT, Float32Array.from([1.5, -2, 3.25, 1e-30, -0, Infinity])],
    ['FP64', OnnxType.DOUBLE, Float64Array.from([1.5, -2, 3.25, 1e-300, -0, Number.MAX_VALUE])],
    ['BYTES', OnnxType.STRING, ['a', '', 'héllo', 'x\u0000y', 'long '.repeat(50), 'z'].map((s) => Buffer.from(s))],
  ];
  for (const [datatype, onnxType, data] of samples) {
    test(`datatype ${datatype} round-trips through an Identity model`, async () => {
      const model = await loadOnnxModel(identityModel(onnxType), { name: `identity_${datatype}` });
      assert.deepEqual(model.inputs, [{ name: 'x', datatype, dims: [3] }]);
      const [y] = await model.infer([{ name: 'x', datatype, shape: [2, 3], data }]);
      assert.equal(y!.datatype, datatype);
      assert.deepEqual(y!.shape, [2, 3]);
      if (datatype === 'BYTES') assert.deepEqual((y!.data as Buffer[]).map((b) => b.toString()), (data as Buffer[]).map((b) => b.toString()));
      else {
        assert.equal(y!.data.constructor, data.constructor);
        assert.deepEqual(Array.from(y!.data as Uint8Array), Array.from(data as Uint8Array));
      }
      await model.unload();
    });
  }

  test('garbage bytes, a missing file and an empty file are refused with clear errors', async () => {
    await rejectsWith(loadOnnxModel(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]), { name: 'garbage' }), 'INVALID_ARGUMENT', /garbage.*protobuf/i);
    await rejectsWith(loadOnnxModel('/nonexistent/model.onnx'), 'NOT_FOUND', /model\.onnx.*(doesn't exist|not exist|No such)/i);
    await rejectsWith(loadOnnxModel(new Uint8Array(0), { name: 'empty' }), 'INVALID_ARGUMENT', /empty/);
  });

  test('an unsupported opset is refused with ONNX Runtime\'s reason', async () => {
    await rejectsWith(loadOnnxModel(identityModel(OnnxType.FLOAT, [3], 99), { name: 'future' }), 'INVALID_ARGUMENT', /future.*opset/i);
  });

  test('an element type KServe cannot carry is refused at load', async () => {
    await rejectsWith(loadOnnxModel(identityModel(OnnxType.BFLOAT16), { name: 'bf16' }), 'UNSUPPORTED', /bfloat16/);
  });

  test('wrong input names, datatypes, shapes and sizes are refused; the model keeps serving', async () => {
    const c = onnxCases().find((x) => x.id === 'onnx_two_inputs_two_outputs')!;
    const model = await loadOnnxModel(c.modelFile);
    const [x, k] = c.inputs as [Tensor, Tensor];
    await rejectsWith(model.infer([{ ...x, name: 'nope' }, k]), 'INVALID_ARGUMENT', /no input 'nope'.*'x', 'k'/);
    await rejectsWith(model.infer([x]), 'INVALID_ARGUMENT', /missing input.*'k'/);
    await rejectsWith(model.infer([x, x]), 'INVALID_ARGUMENT', /more than once/);
    await rejectsWith(model.infer([{ ...x, datatype: 'FP64', data: new Float64Array(x.data.length) }, k]), 'INVALID_ARGUMENT', /'x' has datatype FP32, got FP64/);
    await rejectsWith(model.infer([{ ...x, shape: [600, 2] }, k]), 'INVALID_ARGUMENT', /'x' has shape \[600,2\].*\[batch,4\]/);
    await rejectsWith(model.infer([{ ...x, shape: [299, 4] }, k]), 'INVALID_ARGUMENT', /disagree|needs .* bytes/);
    await rejectsWith(model.infer([{ ...x, data: new Float32Array(7) }, k]), 'INVALID_ARGUMENT', /\(1200 elements\), its data holds 7/);
    await rejectsWith(model.infer([{ ...x, data: new Int32Array(1200) as unknown as Float32Array }, k]), 'INVALID_ARGUMENT', /Float32Array/);
    await rejectsWith(model.infer(c.inputs, { outputs: ['w'] }), 'INVALID_ARGUMENT', /no output 'w'/);
    assertOutputsMatch(c, await model.infer(c.inputs));
    await model.unload();
    await rejectsWith(model.infer(c.inputs), 'UNAVAILABLE', /unloading/);
  });

  test('a model without a batch dimension takes its tensors whole', async () => {
    const bytes = buildModel({
      nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['c'] }],
      inputs: [{ name: 'a', type: OnnxType.FLOAT, shape: [2, 2] }, { name: 'b', type: OnnxType.FLOAT, shape: [2, 2] }],
      outputs: [{ name: 'c', type: OnnxType.FLOAT, shape: [2, 2] }],
    });
    const model = await loadOnnxModel(bytes, { name: 'fixed' });
    assert.equal(model.maxBatchSize, 0);
    assert.deepEqual(model.inputs[0]!.dims, [2, 2]);
    const [c] = await model.infer([
      { name: 'a', datatype: 'FP32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
      { name: 'b', datatype: 'FP32', shape: [2, 2], data: Float32Array.from([10, 20, 30, 40]) },
    ]);
    assert.deepEqual(Array.from(c!.data as Float32Array), [11, 22, 33, 44]);
    await rejectsWith(loadOnnxModel(bytes, { name: 'fixed', maxBatchSize: 8 }), 'INVALID_ARGUMENT', /free first dimension/);
    await model.unload();
  });

  test('a model file read from disk and from bytes behave alike', async () => {
    const c = onnxCases()[0]!;
    const model = await loadOnnxModel(readFileSync(c.modelFile), { name: 'from-bytes' });
    assertOutputsMatch(c, await model.infer(c.inputs));
    await model.unload();
  });
}

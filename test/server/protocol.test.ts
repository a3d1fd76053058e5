// Codec boundaries on their own: FP16 bit patterns, protobuf varints (negative int64, 10-byte
// forms), classification ordering, JSON non-finite tokens and nested data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHalfBits, toHalfBits } from '../../lib/protocol/datatypes.js';
import { classify } from '../../lib/protocol/classification.js';
import { fromJsonData, parseJsonText, toJsonDataText } from '../../lib/protocol/json-values.js';
import { Reader, Writer } from '../../lib/grpc/wire.js';
import { decodeHttpInferRequest, encodeHttpInferResponse } from '../../lib/protocol/http-codec.js';
import type { InferenceModel } from '../../lib/backends/types.js';

describe('FP16', () => {
  it('encodes exactly representable values, rounds half to even, saturates to Inf', () => {
    const cases: Array<[number, number]> = [[0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff],
      [65520, 0x7c00], [2 ** -24, 0x0001], [2 ** -14, 0x0400], [Infinity, 0x7c00], [-Infinity, 0xfc00], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02]];
    for (const [v, bits] of cases) assert.equal(toHalfBits(v), bits, `toHalfBits(${v})`);
    for (const [v, bits] of cases.slice(0, 10)) if (v !== 65520) assert.equal(fromHalfBits(bits), v, `fromHalfBits(${bits.toString(16)})`);
    assert.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
    for (let h = 0; h < 0x7c00; h += 37) assert.equal(toHalfBits(fromHalfBits(h)), h);
  });
});

describe('protobuf wire', () => {
  it('varints round-trip, including negative int64 (10 bytes) and values above 2^32', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, -1, -2, -(2 ** 31), -(2 ** 53)];
    const w = new Writer(4);
    for (const v of values) w.varint(v);
    w.varintBig(-9223372036854775808n);
    w.varintBig(18446744073709551615n);
    const r = new Reader(w.finish());
    for (const v of values) assert.equal(r.varint(), v);
    assert.equal(r.varintBig(true), -9223372036854775808n);
    assert.equal(r.varintBig(false), 18446744073709551615n);
    assert.ok(r.done);
  });
  it('nested messages longer than 127 bytes get multi-byte lengths', () => {
    const w = new Writer(8);
    w.message(5, () => w.stringField(1, 'x'.repeat(300)));
    const r = new Reader(w.finish());
    const [f, wire] = r.tag();
    assert.deepEqual([f, wire], [5, 2]);
    const [s, e] = r.delimited();
    const inner = new Reader(r.buf, s, e);
    inner.tag();
    assert.equal(inner.string().length, 300);
  });
  it('truncated input is an INVALID_ARGUMENT, not a crash', () => {
    assert.throws(() => new Reader(Buffer.from([0x80, 0x80])).varint(), /truncated varint/);
    assert.throws(() => new Reader(Buffer.from([0x05, 0x01])).delimited(), /past the end/);
  });
});

describe('classification', () => {
  it('orders by value, ties by lower index, per batch row', () => {
    const t = classify({ name: 'p', datatype: 'FP32', shape: [2, 3], data: new Float32Array([0.2, 0.5, 0.5, 3, 1, 2]) }, 2, true);
    assert.deepEqual(t.shape, [2, 2]);
    assert.deepEqual((t.data as Buffer[]).map(String), ['0.500000:1', '0.500000:2', '3.000000:0', '2.000000:2']);
    const all = classify({ name: 'p', datatype: 'INT64', shape: [2], data: new BigInt64Array([5n, 9n]) }, 10, false);
    assert.deepEqual((all.data as Buffer[]).map(String), ['9.000000:1', '5.000000:0']);
  });
});

describe('JSON values', () => {
  it('nested data fills the typed array row-major; counts are checked', () => {
    assert.deepEqual(Array.from(fromJsonData('INT16', [[1, 2], [3, [4]]], 4, 'x') as Int16Array), [1, 2, 3, 4]);
    assert.throws(() => fromJsonData('INT8', [1, 200], 2, 'x'), /element 1 is 200/);
    assert.throws(() => fromJsonData('FP32', [1, 2, 3], 2, 'x'), /more than the 2 elements/);
    assert.throws(() => fromJsonData('UINT64', [-1], 1, 'x'), /element 0 is -1/);
  });
  it('bare NaN / Infinity tokens outside strings only', () => {
    const doc = parseJsonText('{"a":[NaN,-Infinity,Infinity],"s":"NaN Infinity"}') as { a: unknown[]; s: string };
    assert.equal(doc.s, 'NaN Infinity');
    const x = fromJsonData('FP64', doc.a, 3, 'x') as Float64Array;
    assert.ok(Number.isNaN(x[0]!));
    assert.deepEqual([x[1], x[2]], [-Infinity, Infinity]);
    assert.equal(toJsonDataText('FP32', new Float32Array([NaN, 1.5, -Infinity])), '[NaN,1.5,-Infinity]');
    // Whole floats are written as floats, as Triton's rapidjson writer does, so Python's json reads
    // floats; every value still reads back exactly.
    assert.equal(toJsonDataText('FP32', new Float32Array([1, 0, -0, -3, 0.5])), '[1.0,0.0,-0.0,-3.0,0.5]');
    assert.equal(toJsonDataText('FP64', new Float64Array([2 ** 60, 1e21, 1e-7])), '[1152921504606847000.0,1e+21,1e-7]');
    const values = new Float64Array([1, -0, 123456789, 0.1, 1e300, -2.5e-300, 2 ** 53 + 2]);
    assert.deepEqual(JSON.parse(toJsonDataText('FP64', values)), [...values]);
    assert.equal(toJsonDataText('INT32', new Int32Array([1, -2])), '[1,-2]');  // integers stay integers
    assert.throws(() => fromJsonData('BYTES', (parseJsonText('[NaN]') as unknown[]), 1, 'x'), /expected a string/);
  });

  it('keeps NaN inside strings (escaped quotes included) and still rejects malformed text', () => {
    const doc = parseJsonText('{"s":"say \\"NaN\\" -Infinity","t":["Infinity"],"v":[NaN]}') as { s: string; t: string[]; v: unknown[] };
    assert.equal(doc.s, 'say "NaN" -Infinity');
    assert.deepEqual(doc.t, ['Infinity']);
    assert.ok(Number.isNaN((fromJsonData('FP32', doc.v, 1, 'v') as Float32Array)[0]!));
    const bare = parseJsonText('{"d":[NaN,-Infinity,Infinity,1.5,[NaN]],"n":"x"}') as { d: unknown[] };
    assert.deepEqual(Array.from(fromJsonData('FP64', bare.d, 5, 'd') as Float64Array), [NaN, -Infinity, Infinity, 1.5, NaN]);
    for (const bad of ['[NaNx]', '{"a":NaN', '[1,]', '{"s":"NaN]', '[Infinit]']) assert.throws(() => parseJsonText(bad), SyntaxError, bad);
  });
});

describe('binary request header plans', () => {
  const model = {
    name: 'm', version: '1', platform: 'test', maxBatchSize: 8, responseParameters: {},
    inputs: [{ name: 'x', datatype: 'FP32', dims: [2] }], outputs: [{ name: 'y', datatype: 'FP32', dims: [1] }],
    infer: () => Promise.reject(new Error('unused')), stats: () => { throw new Error('unused'); }, unload: () => Promise.resolve(),
  } as unknown as InferenceModel;
  const header = (rows: number) => Buffer.from(JSON.stringify({
    id: 'r1', inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 2], parameters: { binary_data_size: rows * 8 } }],
    outputs: [{ name: 'y', parameters: { binary_data: true } }],
  }));
  const body = (rows: number, values: number[]) => {
    const h = header(rows);
    return { bytes: Buffer.concat([h, Buffer.from(new Float32Array(values).buffer)]), headerLength: h.length };
  };

  it('a repeated header decodes each body\'s own values (the plan is shared, the data is not)', () => {
    const a = body(1, [1, 2]);
    const b = body(1, [3, 4]);
    const ra = decodeHttpInferRequest(model, a.bytes, a.headerLength).request;
    const rb = decodeHttpInferRequest(model, b.bytes, b.headerLength).request;
    assert.deepEqual(Array.from(ra.inputs[0]!.data as Float32Array), [1, 2]);
    assert.deepEqual(Array.from(rb.inputs[0]!.data as Float32Array), [3, 4]);
    assert.equal(rb.id, 'r1');
    assert.deepEqual(rb.outputs, [{ name: 'y', binary: true }]);
    assert.deepEqual(rb.inputs[0]!.shape, [1, 2]);
  });

  it('a cached header still rejects a body whose binary section does not match it', () => {
    const ok = body(2, [1, 2, 3, 4]);
    decodeHttpInferRequest(model, ok.bytes, ok.headerLength);
    const short = ok.bytes.subarray(0, ok.bytes.length - 4);
    assert.throws(() => decodeHttpInferRequest(model, short, ok.headerLength), { code: 'INVALID_ARGUMENT', message: /only 12 remain/ });
    const long = Buffer.concat([ok.bytes, Buffer.alloc(4)]);
    assert.throws(() => decodeHttpInferRequest(model, long, ok.headerLength), { code: 'INVALID_ARGUMENT', message: /4 bytes after the JSON header/ });
  });

  it('an invalid header is refused every time, never cached', () => {
    const h = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [9, 2], parameters: { binary_data_size: 72 } }] }));
    const bytes = Buffer.concat([h, Buffer.alloc(72)]);
    for (let i = 0; i < 2; i++) assert.throws(() => decodeHttpInferRequest(model, bytes, h.length), { code: 'INVALID_ARGUMENT', message: /max_batch_size 8/ });
  });
});

describe('HTTP response encoding', () => {
  const model = {
    name: 'm', version: '1', platform: 'test', maxBatchSize: 8, responseParameters: {},
    inputs: [{ name: 'x', datatype: 'FP32', dims: [2] }], outputs: [{ name: 'y', datatype: 'FP32', dims: [1] }],
  } as unknown as InferenceModel;

  it('a response with no outputs is JSON, with or without an id (no binary section)', () => {
    for (const id of [undefined, 'r1']) {
      const encoded = encodeHttpInferResponse({ model, parameters: {}, outputs: [], ...(id ? { id } : {}) });
      assert.equal(encoded.headerLength, undefined);
      assert.deepEqual(JSON.parse(encoded.body.toString()).outputs, []);
    }
  });

  it('reuses the layout of a response only while the outputs look the same', () => {
    const y = (rows: number, binary: boolean) => ({ tensor: { name: 'y', datatype: 'FP32' as const, shape: [rows, 1], data: new Float32Array(rows).fill(0.5) }, binary });
    const a = encodeHttpInferResponse({ model, parameters: {}, outputs: [y(1, true)] });
    const b = encodeHttpInferResponse({ model, parameters: {}, outputs: [y(2, true)] });
    const c = encodeHttpInferResponse({ model, parameters: {}, outputs: [y(2, false)] });
    assert.match(a.body.subarray(0, a.headerLength).toString(), /"shape":\[1,1\],"parameters":\{"binary_data_size":4\}/);
    assert.match(b.body.subarray(0, b.headerLength).toString(), /"shape":\[2,1\],"parameters":\{"binary_data_size":8\}/);
    assert.equal(c.headerLength, undefined);
    assert.deepEqual(JSON.parse(c.body.toString()).outputs[0].data, [0.5, 0.5]);
  });
});

// The JSON request fast path (lib/protocol/json-template.ts, native/protocol/json_numbers.cc):
// a templated decode must give exactly what JSON.parse gives, and anything it cannot take must
// fall back to the general path (with its errors), never decode differently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataType, InferenceModel } from '../../lib/backends/types.js';
import { addon } from '../../lib/native.js';
import { decodeHttpInferRequest } from '../../lib/protocol/http-codec.js';
import { dataSpans } from '../../lib/protocol/json-template.js';
import { fromJsonData, parseJsonText } from '../../lib/protocol/json-values.js';
import type { NumericData } from '../../lib/protocol/datatypes.js';

type Parse = (bytes: Uint8Array, start: number, code: number, out: NumericData) => number;
const protocolNative = addon as unknown as { parseJsonNumbers: Parse };
const parseJsonNumbers = protocolNative.parseJsonNumbers;

/** Counts the native array parses `f` makes (the template path's, that is). */
function nativeParses(f: () => void): number {
  let n = 0;
  protocolNative.parseJsonNumbers = (...args) => { n++; return parseJsonNumbers(...args); };
  try { f(); } finally { protocolNative.parseJsonNumbers = parseJsonNumbers; }
  return n;
}

const types: Array<[DataType, number, new (n: number) => NumericData]> = [
  ['UINT8', 1, Uint8Array], ['UINT16', 2, Uint16Array], ['UINT32', 3, Uint32Array], ['UINT64', 4, BigUint64Array],
  ['INT8', 5, Int8Array], ['INT16', 6, Int16Array], ['INT32', 7, Int32Array], ['INT64', 8, BigInt64Array],
  ['FP32', 10, Float32Array], ['FP64', 11, Float64Array],
];

/** What the general path makes of `text` as a tensor's data: the values, or undefined for an error. */
function general(dt: DataType, text: string, count: number): unknown[] | undefined {
  try {
    const data = (parseJsonText(`{"d":${text}}`) as { d: unknown }).d;
    return Array.from(fromJsonData(dt, data, count, 'd') as ArrayLike<unknown>);
  } catch {
    return undefined;
  }
}

/** The native parse of the array at the start of `text`: its values and the text it took. */
function nativePrefix(dt: DataType, text: string, count: number): { values: unknown[]; taken: string } | undefined {
  const [, code, Ctor] = types.find((t) => t[0] === dt)!;
  const out = new Ctor(count);
  const bytes = Buffer.from(`  ${text}`);
  const end = parseJsonNumbers(bytes, 2, code, out);
  if (end < 0) return undefined;
  return { values: Array.from(out as ArrayLike<unknown>), taken: bytes.subarray(2, end).toString() };
}

function native(dt: DataType, text: string, count: number): unknown[] | undefined {
  const r = nativePrefix(dt, text, count);
  if (r) assert.equal(r.taken, text, 'the end offset is just past the array');
  return r?.values;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('native JSON number arrays', () => {
  it('parse exactly what JSON.parse gives (floats of every form, -0, NaN tokens, nesting, whitespace)', () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + Math.floor(rnd() * 24);
      const values: string[] = [];
      for (let i = 0; i < n; i++) {
        const v = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
        const forms = [String(v), v.toExponential(Math.floor(rnd() * 17)), v.toFixed(Math.floor(rnd() * 10)),
          String(Math.fround(v)), '-0', '0', 'NaN', 'Infinity', '-Infinity', '1E+2', '2e-3', '123456789012345678901234567890'];
        values.push(forms[Math.floor(rnd() * forms.length)]!);
      }
      const text = rnd() < 0.3 ? `[[${values.slice(0, 1).join(',')}] , [ ${values.slice(1).join(' ,\n')} ]]` : `[${values.join(', ')}]`;
      for (const dt of ['FP32', 'FP64'] as const) {
        const want = general(dt, text, n);
        assert.ok(want, text);
        assert.deepEqual(native(dt, text, n), want, `${dt} ${text}`);
      }
    }
  });

  it('integer types take integral values in range only, as the general path does', () => {
    const cases = ['[0]', '[-0]', '[1.0]', '[1e2]', '[255]', '[256]', '[-1]', '[-128]', '[-129]', '[127]', '[65535]', '[65536]',
      '[-32768]', '[2147483647]', '[2147483648]', '[-2147483648]', '[4294967295]', '[4294967296]', '[1.5]', '[NaN]', '[Infinity]',
      '[9007199254740993]', '[9223372036854775807]', '[-9223372036854775808]', '[18446744073709551615]', '[1e300]'];
    for (const [dt] of types) {
      for (const text of cases) assert.deepEqual(native(dt, text, 1), general(dt, text, 1), `${dt} ${text}`);
    }
  });

  it('refuse anything that is not exactly an array of `count` numbers', () => {
    const bad = ['[1,]', '[,1]', '[1 2]', '[01]', '[1.]', '[.5]', '[1e]', '[+1]', '[-]', '["1"]', '[true]', '[null]', '[1e400]',
      '[1,2', '[[1],2', '[NaNx]', '[Infinit]', '[-Inf]', '[1]]', '1', '{}', '[]', '[[]]', '[1,2,3]', '[0x10]', '[1e-400]'];
    for (const text of bad) assert.equal(native('FP64', text, 2), undefined, text);
    assert.deepEqual(native('FP64', '[[],[1],[],2,[[]]]', 2), [1, 2]);
    assert.equal(native('FP64', '['.repeat(70) + '1' + ']'.repeat(70), 1), undefined, 'nesting beyond 64 levels');
  });

  it('mutated arrays either parse to what JSON.parse gives or are refused', () => {
    const rnd = lcg(99);
    const alphabet = '0123456789-+.eE[], \nNaIfity"';
    for (let trial = 0; trial < 3000; trial++) {
      const chars = Array.from('[1.5, -2e3, [NaN, 4], 0.25]');
      for (let m = 0; m < 1 + rnd() * 3; m++) {
        const at = Math.floor(rnd() * chars.length);
        const c = alphabet[Math.floor(rnd() * alphabet.length)]!;
        if (rnd() < 0.5) chars[at] = c; else chars.splice(at, rnd() < 0.5 ? 1 : 0, c);
      }
      const text = chars.join('');
      const got = nativePrefix('FP64', text, 4);  // an array, maybe followed by other text
      if (got !== undefined) assert.deepEqual(got.values, general('FP64', got.taken, 4), text);
    }
  });

  it('round FP32 above FLT_MAX as a Float32Array store does', () => {
    for (const v of ['3.4028234663852886e38', '3.4028235677973362e38', '3.4028235677973366e38', '-3.4028235677973366e38', '3.40282357e38', '1e39', '-1e39']) {
      assert.deepEqual(native('FP32', `[${v}]`, 1), general('FP32', `[${v}]`, 1), v);
    }
  });

  it('reports a bad call as a typed error', () => {
    assert.throws(() => parseJsonNumbers(Buffer.from('[1]'), 0, 9, new Uint16Array(1)), /no JSON number parser for datatype code 9/);
    assert.throws(() => parseJsonNumbers(Buffer.from('[1]'), 0, 10, new Float64Array(1)), /element type does not match/);
    assert.throws(() => parseJsonNumbers(Buffer.from('[1]'), 4, 10, new Float32Array(1)), /start must be an integer offset inside bytes/);
    assert.throws(() => parseJsonNumbers(Buffer.from('[1]'), 0.5, 10, new Float32Array(1)), /start must be an integer offset inside bytes/);
  });
});

describe('JSON request templates', () => {
  const model = (): InferenceModel => ({
    name: 'm', version: '1', platform: 'test', maxBatchSize: 8, responseParameters: {},
    inputs: [{ name: 'x', datatype: 'FP32', dims: [3] }, { name: 'k', datatype: 'INT64', dims: [1] }],
    outputs: [{ name: 'y', datatype: 'FP32', dims: [1] }],
    infer: () => Promise.reject(new Error('unused')), stats: () => { throw new Error('unused'); }, unload: () => Promise.resolve(),
  }) as unknown as InferenceModel;
  const request = (x: string, k: string, extra = '') => Buffer.from(
    `{${extra}"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":${x}},{"name":"k","datatype":"INT64","shape":[1,1],"data":${k}}],"outputs":[{"name":"y"}]}`);
  const decoded = (m: InferenceModel, body: Buffer) => {
    const { request: r, binaryOutput } = decodeHttpInferRequest(m, body, undefined);
    return { id: r.id, outputs: r.outputs, parameters: r.parameters, binaryOutput, inputs: r.inputs.map((t) => ({ ...t, data: Array.from(t.data as ArrayLike<unknown>) })) };
  };
  /**
   * Decodes `body` on a model that has learnt `learn` first, and on a fresh model (the general
   * path); `parses`: the native array parses the first decode made.
   */
  const both = (learn: Buffer, body: Buffer) => {
    const m = model();
    decodeHttpInferRequest(m, learn, undefined);
    let templated: unknown, fresh: unknown;
    const parses = nativeParses(() => {
      try { templated = decoded(m, body); } catch (err) { templated = (err as Error).message; }
    });
    try { fresh = decoded(model(), body); } catch (err) { fresh = (err as Error).message; }
    return { templated, fresh, parses };
  };

  it('a request with the same JSON around other numbers decodes to its own values', () => {
    const first = request('[1,2,3]', '[7]');
    const { templated, fresh, parses } = both(first, request('[0.1, NaN, -2.5e-3]', '[[9007199254740990]]'));
    assert.equal(parses, 2, 'both arrays were parsed natively');
    assert.deepEqual(templated, fresh);
    assert.deepEqual((templated as { inputs: Array<{ data: unknown[] }> }).inputs.map((i) => i.data), [[Math.fround(0.1), NaN, Math.fround(-2.5e-3)], [9007199254740990n]]);
  });

  it('request ids are cut out too; a different id keeps its own value', () => {
    const { templated, fresh, parses } = both(request('[1,2,3]', '[7]', '"id":"a1",'), request('[4,5,6]', '[8]', '"id":"req-\u00e9-2",'));
    assert.equal(parses, 2);
    assert.deepEqual(templated, fresh);
    assert.equal((templated as { id: string }).id, 'req-\u00e9-2');
    const escaped = both(request('[1,2,3]', '[7]', '"id":"a1",'), request('[4,5,6]', '[8]', '"id":"q\\"x",'));
    assert.deepEqual(escaped.templated, escaped.fresh);
  });

  it('an id the general path refuses or reads differently is never taken from a template', () => {
    const learn = request('[1,2,3]', '[7]', '"id":"a",');
    const controlChar = both(learn, request('[1,2,3]', '[7]', '"id":"a\tb",'));
    assert.deepEqual(controlChar.templated, controlChar.fresh);
    assert.match(String(controlChar.fresh), /control character/i);
    // A key written with escapes can name "id", "data" or "inputs": such layouts make no template.
    for (const [first, later] of [
      [request('[1,2,3]', '[7]', '"\\u0069d":"abc",'), request('[4,5,6]', '[8]', '"\\u0069d":"abc",')],
      [request('[1,2,3]', '[7]', '"id":"x","\\u0069d":"y",'), request('[4,5,6]', '[8]', '"id":"z","\\u0069d":"y",')],
      [Buffer.from(request('[1,2,3]', '[7]').toString().replace('"data":[1,2,3]', '"data":[1,2,3],"d\\u0061ta":[4,5,6]')),
        Buffer.from(request('[1,2,3]', '[7]').toString().replace('"data":[1,2,3]', '"data":[9,9,9],"d\\u0061ta":[4,5,6]'))],
    ]) {
      const r = both(first!, later!);
      assert.deepEqual(r.templated, r.fresh, later!.toString());
      assert.equal(r.parses, 0, 'no template was made');
    }
  });

  it('a body that misses only for its values is not learnt again', () => {
    const m = model();
    decodeHttpInferRequest(m, request('[1,2,3]', '[7]'), undefined);
    for (let i = 0; i < 20; i++) decodeHttpInferRequest(m, request('[1,2,1e400]', '[7]'), undefined);
    assert.equal(nativeParses(() => decodeHttpInferRequest(m, request('[4,5,6]', '[8]'), undefined)), 2, 'one template, tried once');
  });

  it('bad values in a templated layout get the general path\'s error', () => {
    const first = request('[1,2,3]', '[7]');
    for (const [x, k] of [['[1,2]', '[7]'], ['[1,2,3,4]', '[7]'], ['[1,"a",3]', '[7]'], ['[1,2,3]', '[1.5]'], ['[1,2,3]', '[NaN]'], ['[1,2,3]', '[1e400]'], ['[1,2,', '[7]']]) {
      const { templated, fresh } = both(first, request(x!, k!));
      assert.deepEqual(templated, fresh, `${x} ${k}`);
      assert.equal(typeof fresh, 'string', `${x} ${k} is refused`);
    }
  });

  it('other bytes around the numbers miss the template and decode the general way', () => {
    const first = request('[1,2,3]', '[7]');
    for (const body of [request('[1,2,3]', '[7]', '"parameters":{"a":1},'), Buffer.from(request('[3,2,1]', '[5]').toString().replace('"outputs":[{"name":"y"}]', '"outputs":[{"name":"z"}]')),
      Buffer.from(request('[3,2,1]', '[5]').toString().replace('[1,3]', '[1,2]'))]) {
      const { templated, fresh, parses } = both(first, body);
      assert.deepEqual(templated, fresh, body.toString());
      assert.ok(parses <= 2);
    }
  });

  it('finds the data arrays only in plainly written layouts', () => {
    assert.deepEqual(dataSpans(Buffer.from('{"inputs":[{"data":[1],"name":"a"}]}'), 1), { data: [[19, 22]], id: undefined });
    assert.equal(dataSpans(Buffer.from('{"inputs":[{"d\\u0061ta":[1]}]}'), 1), undefined, 'escaped key');
    assert.equal(dataSpans(Buffer.from('{"inputs":[{"data":[1],"data":[2]}]}'), 1), undefined, 'repeated data');
    assert.equal(dataSpans(Buffer.from('{"inputs":[{"data":[1]}],"inputs":[{"data":[1]}]}'), 1), undefined, 'repeated inputs');
    assert.equal(dataSpans(Buffer.from('{"inputs":[{"parameters":{"data":[1]}}]}'), 1), undefined, 'data only nested deeper');
  });
});

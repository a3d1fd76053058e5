// A fast path for JSON inference requests. A client sends its requests of one shape with the
// same JSON around the numbers: the same names, datatypes, shapes, outputs and parameters, only
// the "data" arrays differ. After a request was decoded the general way (JSON.parse, checks),
// its bytes are kept as a template with each input's "data" array cut out, beside the plan its
// JSON gave. A later request whose bytes equal the template's around the cuts, and whose cuts
// hold exactly the expected count of numbers of the input's type, has the same plan: only its
// numbers are parsed (natively, native/protocol/json_numbers.h), nothing else. Anything else
// (other bytes, a NaN where an integer goes, a nested array of another size, ...) misses the
// template and takes the general path, which also gives the errors.
import type { DataType } from '../backends/types.js';
import { pooledArray } from '../backends/pooled.js';
import { addon } from '../native.js';
import type { NumericData } from './datatypes.js';

interface ProtocolNative {
  parseJsonNumbers(bytes: Uint8Array, start: number, dtypeCode: number, out: NumericData): number;
}
const native = addon as unknown as ProtocolNative;

type ArrayCtor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): NumericData; new (length: number): NumericData; BYTES_PER_ELEMENT: number };

/** The types the native parser takes, with native/batch/tensor.h's DType codes. */
const parsed: Partial<Record<DataType, { code: number; ctor: ArrayCtor }>> = {
  UINT8: { code: 1, ctor: Uint8Array }, UINT16: { code: 2, ctor: Uint16Array }, UINT32: { code: 3, ctor: Uint32Array },
  UINT64: { code: 4, ctor: BigUint64Array }, INT8: { code: 5, ctor: Int8Array }, INT16: { code: 6, ctor: Int16Array },
  INT32: { code: 7, ctor: Int32Array }, INT64: { code: 8, ctor: BigInt64Array },
  FP32: { code: 10, ctor: Float32Array }, FP64: { code: 11, ctor: Float64Array },
};

/** What the template needs to know of an input: its type and element count. */
export interface TemplateInput { datatype: DataType; count: number }

/** A cut-out "data" array (`input` >= 0), or the request's "id" string (input -1). */
interface Cut { input: number; code: number; ctor: ArrayCtor | undefined; count: number }
interface Template<P> { pieces: Buffer[]; cuts: Cut[]; plan: P }

const kMaxTemplates = 16;
/** Larger bodies are mostly numbers: the template would save little. */
export const kMaxTemplatedBody = 64 * 1024;
const templates = new WeakMap<object, Array<Template<unknown>>>();

/**
 * The plan and the inputs' values of `body` when it matches one of `owner`'s templates, the
 * values in input order; undefined when it matches none.
 */
export function matchJsonTemplate<P>(owner: object, body: Buffer): { plan: P; data: NumericData[]; id: string | undefined } | undefined {
  const list = templates.get(owner) as Array<Template<P>> | undefined;
  if (!list) return undefined;
  next: for (const t of list) {
    const data = new Array<NumericData>(t.cuts.length);
    let id: string | undefined;
    let pos = 0;
    for (let k = 0; k < t.cuts.length; k++) {
      const piece = t.pieces[k]!;
      if (!sameBytes(body, pos, piece)) continue next;
      pos += piece.length;
      const cut = t.cuts[k]!;
      if (!cut.ctor) {  // the id: a string without escapes
        const end = plainStringEnd(body, pos);
        if (end < 0) continue next;
        id = body.toString('utf8', pos + 1, end - 1);
        pos = end;
        continue;
      }
      const out = pooledArray(cut.ctor, cut.count);
      const end = native.parseJsonNumbers(body, pos, cut.code, out);
      if (end < 0) continue next;
      data[cut.input] = out;
      pos = end;
    }
    const last = t.pieces[t.cuts.length]!;
    if (pos + last.length !== body.length || !sameBytes(body, pos, last)) continue;
    return { plan: t.plan, data, id };
  }
  return undefined;
}

/**
 * Keeps `body` (which decoded to `plan`, every input from JSON "data") as a template of
 * `owner`'s, when its inputs are all of types the native parser takes and its "data" arrays can
 * be found. `plan` must hold no request values: it is shared by every request that matches.
 */
export function learnJsonTemplate<P>(owner: object, body: Buffer, inputs: readonly TemplateInput[], plan: P): void {
  if (body.length > kMaxTemplatedBody || inputs.length === 0) return;
  const cuts: Cut[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const p = parsed[inputs[i]!.datatype];
    if (!p) return;
    cuts.push({ input: i, code: p.code, ctor: p.ctor, count: inputs[i]!.count });
  }
  const found = dataSpans(body, inputs.length);
  if (!found) return;
  const spans = found.data;
  if (found.id) {  // request ids change from request to request: cut the id out too
    const [start, end] = found.id;
    if (plainStringEnd(body, start) !== end) return;
    spans.push(found.id);
    cuts.push({ input: -1, code: 0, ctor: undefined, count: 0 });
  }
  const order = cuts.map((_, i) => i).sort((a, b) => spans[a]![0] - spans[b]![0]);
  const pieces: Buffer[] = [];
  let pos = 0;
  for (const i of order) {
    pieces.push(ownedCopy(body.subarray(pos, spans[i]![0])));
    pos = spans[i]![1];
  }
  pieces.push(ownedCopy(body.subarray(pos)));
  let list = templates.get(owner);
  // A body can miss an existing template for its values alone (e.g. 1e400, which the general
  // path takes): learning it again would only crowd out other templates.
  if (list?.some((t) => samePieces(t.pieces, pieces))) return;
  if (!list || list.length >= kMaxTemplates) templates.set(owner, (list = []));
  list.push({ pieces, cuts: order.map((i) => cuts[i]!), plan });
}

/**
 * The end (past the closing quote) of the JSON string at `pos` when it is plain: no escapes and
 * no control characters (which JSON.parse refuses); else -1.
 */
function plainStringEnd(body: Buffer, pos: number): number {
  if (body[pos] !== 0x22) return -1;
  for (let i = pos + 1; i < body.length; i++) {
    const c = body[i]!;
    if (c === 0x22) return i + 1;
    if (c === 0x5c || c < 0x20) return -1;
  }
  return -1;
}

/** A copy that owns its memory (a slice of Node's shared pool would keep the whole 8 KiB alive). */
export function ownedCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}

function samePieces(a: Buffer[], b: Buffer[]): boolean {
  return a.length === b.length && a.every((p, i) => p.equals(b[i]!));
}

function sameBytes(body: Buffer, pos: number, piece: Buffer): boolean {
  const n = piece.length;
  if (pos + n > body.length) return false;
  // A template's pieces are mostly a few dozen bytes: a loop here costs less than the argument
  // checks and the native call of Buffer.compare.
  if (n > 256) return body.compare(piece, 0, n, pos, pos + n) === 0;
  for (let i = 0; i < n; i++) if (body[pos + i] !== piece[i]) return false;
  return true;
}

// ---- finding the "data" arrays: a scan of JSON text already known to parse ----

/**
 * [start, end) of the value of inputs[i].data for each of the `count` inputs of a request
 * body, and of the request's "id" if it has one; undefined when the body's layout is not the plain one (a key written with escapes, a
 * repeated "inputs", "data" or "id" key, ...): then no template is made.
 */
export function dataSpans(body: Uint8Array, count: number): { data: Array<[number, number]>; id: [number, number] | undefined } | undefined {
  const s = new Scan(body);
  let spans: Array<[number, number]> | undefined;
  let id: [number, number] | undefined;
  let inputsKeys = 0;
  let idKeys = 0;
  // Keys are compared as written: one written with escapes could name "id", "inputs" or "data"
  // (JSON.parse would see it), so such a layout makes no template.
  const ok = s.object((key) => {
    if (key.includes('\\')) return false;
    if (key === 'id') {
      idKeys++;
      const start = s.pos;
      if (!s.value()) return false;
      id = [start, s.pos];
      return true;
    }
    if (key !== 'inputs') return s.value();
    inputsKeys++;
    const found: Array<[number, number]> = [];
    const fine = s.array(() => {
      let span: [number, number] | undefined;
      let dataKeys = 0;
      const inputOk = s.object((k) => {
        if (k.includes('\\')) return false;
        if (k !== 'data') return s.value();
        dataKeys++;
        const start = s.pos;
        if (!s.value()) return false;
        span = [start, s.pos];
        return true;
      });
      if (!inputOk || dataKeys !== 1) return false;
      found.push(span!);
      return true;
    });
    spans = found;
    return fine;
  });
  if (!ok || inputsKeys !== 1 || idKeys > 1 || !spans || spans.length !== count) return undefined;
  s.ws();
  return s.pos === body.length ? { data: spans, id } : undefined;
}

class Scan {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  ws(): void {
    const b = this.b;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  /** `{ "key": value, ... }`; `member(key)` starts at the value and must consume it. */
  object(member: (key: string) => boolean): boolean {
    return this.list(0x7b, 0x7d, () => {
      const key = this.string();
      if (key === undefined) return false;
      this.ws();
      if (this.b[this.pos] !== 0x3a) return false;
      this.pos++;
      this.ws();
      return member(key);
    });
  }

  /** `[ element, ... ]`; `element()` must consume one element. */
  array(element: () => boolean): boolean {
    return this.list(0x5b, 0x5d, element);
  }

  /** `open item, item, ... close` (either may be empty); `item()` starts after whitespace. */
  list(open: number, close: number, item: () => boolean): boolean {
    this.ws();
    if (this.b[this.pos] !== open) return false;
    this.pos++;
    this.ws();
    if (this.b[this.pos] === close) { this.pos++; return true; }
    for (;;) {
      this.ws();
      if (!item()) return false;
      this.ws();
      const c = this.b[this.pos];
      this.pos++;
      if (c === close) return true;
      if (c !== 0x2c) return false;
    }
  }

  /** A string's raw text (escapes left as written, so an escaped key matches no plain name). */
  string(): string | undefined {
    const b = this.b;
    if (b[this.pos] !== 0x22) return undefined;
    const start = ++this.pos;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (c === 0x5c) { this.pos += 2; continue; }
      if (c === 0x22) {
        const text = Buffer.from(b.buffer, b.byteOffset + start, this.pos - start).toString('latin1');
        this.pos++;
        return text;
      }
      this.pos++;
    }
    return undefined;
  }

  /** Skips any value: strings, nested containers, numbers and bare words (NaN, true, ...). */
  value(): boolean {
    const b = this.b;
    this.ws();
    const c = b[this.pos];
    if (c === 0x22) return this.string() !== undefined;
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      while (this.pos < b.length) {
        const d = b[this.pos]!;
        if (d === 0x22) { if (this.string() === undefined) return false; continue; }
        this.pos++;
        if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) { if (--depth === 0) return true; }
      }
      return false;
    }
    const start = this.pos;
    while (this.pos < b.length) {
      const d = b[this.pos]!;
      if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d) break;
      this.pos++;
    }
    return this.pos > start;
  }
}

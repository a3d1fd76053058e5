// Minimal protobuf wire-format reader and writer for the inference hot path (ModelInferRequest /
// ModelInferResponse), so tensor bytes are sliced or copied once instead of going through a
// generic message object. Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
import { invalidArgument } from '../protocol/errors.js';

export class Reader {
  pos: number;
  readonly end: number;
  constructor(readonly buf: Buffer, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }

  get done(): boolean { return this.pos >= this.end; }

  #fail(what: string): never {
    throw invalidArgument(`malformed protobuf message: ${what} at byte ${this.pos}`);
  }

  /** A varint as a JS number: exact up to 2^53, two's-complement negatives (int64) folded in. */
  varint(): number {
    let lo = 0, hi = 0, shift = 0, b: number;
    const buf = this.buf;
    do {
      if (this.pos >= this.end) this.#fail('truncated varint');
      b = buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) { lo |= (b & 0x0f) << 28; hi |= (b & 0x7f) >>> 4; }
      else if (shift < 64) hi |= (b & 0x7f) << (shift - 32);
      else this.#fail('varint longer than 10 bytes');
      shift += 7;
    } while (b & 0x80);
    lo >>>= 0;
    if (hi & 0x80000000) return -((~hi >>> 0) * 4294967296 + ((~lo >>> 0) + 1));
    return (hi >>> 0) * 4294967296 + lo;
  }

  /** A varint as a BigInt (uint64 when `signed` is false, int64 otherwise). */
  varintBig(signed: boolean): bigint {
    let v = 0n, shift = 0n, b: number;
    do {
      if (this.pos >= this.end) this.#fail('truncated varint');
      b = this.buf[this.pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) this.#fail('varint longer than 10 bytes');
    } while (b & 0x80);
    v &= 0xffffffffffffffffn;
    return signed ? BigInt.asIntN(64, v) : v;
  }

  tag(): [field: number, wire: number] {
    const t = this.varint();
    return [t >>> 3, t & 7];
  }

  /** The bounds of a length-delimited field's payload; advances past it. */
  delimited(): [start: number, end: number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (len < 0 || end > this.end) this.#fail(`length ${len} past the end of the message`);
    this.pos = end;
    return [start, end];
  }

  bytes(): Buffer {
    const [s, e] = this.delimited();
    return this.buf.subarray(s, e);
  }

  string(): string {
    const [s, e] = this.delimited();
    return this.buf.toString('utf8', s, e);
  }

  double(): number {
    if (this.pos + 8 > this.end) this.#fail('truncated fixed64');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0: this.varint(); break;
      case 1: this.pos += 8; break;
      case 2: this.delimited(); break;
      case 5: this.pos += 4; break;
      default: this.#fail(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) this.#fail('truncated field');
  }
}

/**
 * Growable output buffer. Nested messages are written with `message(field, fn)`, which reserves
 * space for the length, writes the body, then moves it if the length needed more than 1 byte.
 */
export class Writer {
  buf: Buffer;
  pos = 0;
  constructor(initial = 256) { this.buf = Buffer.allocUnsafe(initial); }

  #ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  varint(v: number): void {
    this.#ensure(10);
    if (v < 0) { this.varintBig(BigInt(v)); return; }
    while (v > 0x7f) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  varintBig(v: bigint): void {
    this.#ensure(10);
    let u = BigInt.asUintN(64, v);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  tag(field: number, wire: number): void { this.varint((field << 3) | wire); }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.byteLength);
    this.#ensure(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  stringField(field: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.tag(field, 2);
    this.varint(n);
    this.#ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  doubleField(field: number, v: number): void {
    this.tag(field, 1);
    this.#ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Reserves `n` bytes and returns their offset (for callers that write in place). */
  reserve(n: number): number {
    this.#ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  message(field: number, body: () => void): void {
    this.tag(field, 2);
    this.#ensure(1);
    const lenAt = this.pos++;
    const start = this.pos;
    body();
    const len = this.pos - start;
    if (len < 0x80) { this.buf[lenAt] = len; return; }
    // Length needs more bytes: encode it, then shift the body right.
    const tmp = new Writer(10);
    tmp.varint(len);
    const extra = tmp.pos - 1;
    this.#ensure(extra);
    this.buf.copy(this.buf, start + extra, start, this.pos);
    tmp.buf.copy(this.buf, lenAt, 0, tmp.pos);
    this.pos += extra;
  }

  finish(): Buffer { return this.buf.subarray(0, this.pos); }
}

// Reads a request body into ONE buffer sized from Content-Length (413 above the limit), copying
// each borrowed onData chunk before the callback returns; then undoes gzip/deflate
// Content-Encoding. `alignPad` bytes are reserved in front of the body so that a binary section
// starting at body offset H lands 8-byte aligned (typed arrays can then view it without a copy).
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { invalidArgument, LarchError } from '../protocol/errors.js';
import type { Exchange, HttpExchange } from './exchange.js';
import { pooledBody } from '../backends/pooled.js';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

export function tooLarge(size: number | string, limit: number): LarchError {
  return new LarchError('PAYLOAD_TOO_LARGE', `request body of ${size} bytes exceeds the limit of ${limit} bytes (--http-max-input-size)`);
}

function allocAligned(size: number, pad: number): Buffer {
  return Buffer.from(new ArrayBuffer(size + pad), pad, size);
}

/** Where a body read ends: exactly one of `body` and `fail` is called, at most once. */
export interface BodySink {
  body(body: Buffer): void;
  fail(err: LarchError): void;
}

/** The raw (still encoded) body. Rejects with PAYLOAD_TOO_LARGE or when the client aborts. */
export function readRawBody(ex: Exchange, limit: number, alignPad: number): Promise<Buffer> {
  return new Promise((resolve, reject) => receiveRawBody(ex, limit, alignPad, { body: resolve, fail: reject }));
}

/**
 * readRawBody into a sink: `sink.body` runs inside the uWS data callback that completed the
 * body, so a request that can be answered synchronously is answered there, with no promise
 * between.
 */
export function receiveRawBody(ex: Exchange, limit: number, alignPad: number, sink: BodySink): void {
  const declared = ex.head.contentLength;
  if (declared !== undefined && (!Number.isInteger(declared) || declared < 0)) {
    sink.fail(invalidArgument(`invalid Content-Length header`));
    return;
  }
  if (declared !== undefined && declared > limit) { sink.fail(tooLarge(declared, limit)); return; }
  const reader = new BodyReader(limit, alignPad, declared, sink);
  ex.onAbort(reader);
  ex.res.onData((chunk, isLast) => reader.data(chunk, isLast));
}

/**
 * One body being read: the state of the read in one object (a request allocates as little as
 * it can; see backends/pooled.ts for why that matters under load).
 */
class BodyReader {
  #buf: Buffer;
  #off = 0;
  #settled = false;

  constructor(readonly limit: number, readonly alignPad: number, readonly declared: number | undefined, readonly sink: BodySink) {
    this.#buf = declared === undefined ? allocAligned(16384, alignPad) : pooledBody(declared, alignPad);
  }

  /** The client went away (Exchange.onAbort). */
  cancel(): void {
    this.#fail(new LarchError('CANCELLED', 'client closed the connection'));
  }

  #fail(err: LarchError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.sink.fail(err);
  }

  /** A chunk uWS lends for the duration of the call: copied before returning. */
  data(chunk: ArrayBuffer, isLast: boolean): void {
    if (this.#settled) return;
    const bytes = new Uint8Array(chunk);
    const { declared, limit } = this;
    let buf = this.#buf;
    const off = this.#off;
    if (off + bytes.length > buf.length) {
      if (declared !== undefined || off + bytes.length > limit) {
        this.#fail(declared !== undefined ? invalidArgument('request body is longer than its Content-Length') : tooLarge(`more than ${limit}`, limit));
        return;
      }
      // Chunked transfer: grow geometrically (amortized linear), capped at the limit.
      const grown = allocAligned(Math.min(limit, Math.max(buf.length * 2, off + bytes.length)), this.alignPad);
      grown.set(buf.subarray(0, off));
      this.#buf = buf = grown;
    }
    buf.set(bytes, off);
    const end = (this.#off = off + bytes.length);
    if (!isLast) return;
    if (declared !== undefined && end !== declared) {
      this.#fail(invalidArgument(`request body has ${end} bytes but Content-Length says ${declared}`));
      return;
    }
    this.#settled = true;
    this.sink.body(end === buf.length ? buf : buf.subarray(0, end));
  }
}

/** Decodes Content-Encoding (gzip, deflate, br, identity), bounded by `limit`. */
export async function decodeBody(body: Buffer, encoding: string, limit: number): Promise<Buffer> {
  if (encoding === '' || encoding === 'identity') return body;
  const opts = { maxOutputLength: limit };
  try {
    switch (encoding) {
      case 'gzip': case 'x-gzip': return await gunzip(body, opts);
      case 'deflate': return await inflate(body, opts);
      case 'br': return await brotli(body, opts);
      default: throw invalidArgument(`unsupported Content-Encoding "${encoding}"; larch accepts gzip, deflate and br`);
    }
  } catch (err) {
    if (LarchError.is(err)) throw err;
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(`more than ${limit} (decompressed)`, limit);
    throw invalidArgument(`failed to decompress the ${encoding} request body: ${(err as Error).message}`);
  }
}

export function readBody(ex: Exchange, limit: number, alignPad = 0): Promise<Buffer> {
  const encoding = ex.head.contentEncoding;
  const raw = readRawBody(ex, limit, encoding === '' || encoding === 'identity' ? alignPad : 0);
  return encoding === '' || encoding === 'identity' ? raw : raw.then((b) => decodeBody(b, encoding, limit));
}

/**
 * Reads the body, then `use(body)`: synchronously inside the data callback for identity bodies
 * (see receiveRawBody). A read error, or a throw or rejection of `use`, is answered as the
 * exchange's error response.
 */
export function receiveBody(ex: Exchange, limit: number, alignPad: number, use: (body: Buffer) => void | Promise<void>): void {
  const encoding = ex.head.contentEncoding;
  if (encoding === '' || encoding === 'identity') {
    receiveRawBody(ex, limit, alignPad, new UseSink(ex, use));
    return;
  }
  receiveRawBody(ex, limit, 0, {
    body: (raw) => { decodeBody(raw, encoding, limit).then((body) => useBody(ex, use, body), (err) => ex.error(err)); },
    fail: (err) => ex.error(err),
  });
}

/** Hands a read body to `use`, errors to the exchange. */
class UseSink implements BodySink {
  constructor(readonly ex: HttpExchange, readonly use: (body: Buffer) => void | Promise<void>) {}
  body(body: Buffer): void { useBody(this.ex, this.use, body); }
  fail(err: LarchError): void { this.ex.error(err); }
}

/** Calls `use(body)`, turning a throw or a rejection into `ex`'s error response. */
export function useBody(ex: HttpExchange, use: (body: Buffer) => void | Promise<void>, body: Buffer): void {
  try {
    const p = use(body);
    if (p) p.catch((err) => ex.error(err));
  } catch (err) {
    ex.error(err);
  }
}

// One HTTP request/response on uWebSockets.js, following its lifetime rules: the HttpRequest is
// only valid synchronously inside the handler, so method/url/headers are copied up front; onAborted
// is attached before anything async; every write happens inside cork(); nothing is written after
// the client went away or after the response ended.
import type { HttpRequest, HttpResponse } from './uws.js';
import { httpStatusOf, toLarchError } from '../protocol/errors.js';
import { statusLine } from './status-text.js';
import { readBody, receiveBody } from './body.js';

export interface RequestHead {
  method: string;
  url: string;
  /** URL parameters of the matched route, decoded. */
  params: string[];
  contentLength: number | undefined;
  contentEncoding: string;
  /** Inference-Header-Content-Length (binary extension), raw text; '' when absent. */
  inferenceHeaderLength: string;
}

/**
 * What route handlers see of a request: the copied head, the body, and one way to answer. The uWS
 * Exchange implements it; so does the main thread's stand-in for a request an HTTP worker thread
 * forwarded (threads.ts).
 */
export interface HttpExchange {
  readonly head: RequestHead;
  /** The body after Content-Encoding is undone; `alignPad`: see body.ts. */
  readBody(limit: number, alignPad?: number): Promise<Buffer>;
  /**
   * Reads the body like readBody, then calls `use(body)`; when the body is already complete in
   * the callback that delivered it (the usual case), synchronously there. A read error, a throw
   * or a rejection of `use` becomes the error response.
   */
  withBody(limit: number, alignPad: number, use: (body: Buffer) => void | Promise<void>): void;
  send(status: number, body: string | Uint8Array, contentType: string, headers?: Array<[string, string]>): void;
  json(status: number, text: string): void;
  status(status: number): void;
  error(err: unknown): void;
}

export interface ExchangeHooks {
  /** Called exactly once when the exchange ends (response sent or client aborted). */
  onFinish(): void;
  onError?(err: unknown, head: RequestHead): void;
}

const kContentType = Buffer.from('Content-Type', 'latin1');
// Header names to look up, as bytes: uWS converts a string argument to UTF-8 on every call.
const kContentLength = Buffer.from('content-length', 'latin1');
const kContentEncoding = Buffer.from('content-encoding', 'latin1');
const kInferenceHeaderLength = Buffer.from('inference-header-content-length', 'latin1');
const constantBytes = new Map<string, Buffer>();

/**
 * The bytes of a header name or content type, kept per string: uWS copies a JS string argument
 * to UTF-8 on every call, and these few strings repeat on every response.
 */
function asciiBytes(s: string): Buffer {
  let b = constantBytes.get(s);
  if (!b) {
    b = Buffer.from(s, 'latin1');
    if (constantBytes.size < 64) constantBytes.set(s, b);
  }
  return b;
}

// uWS's cork() runs its callback before returning: the response to write is handed over in this
// one record rather than captured in a closure per response (see backends/pooled.ts for why a
// request should allocate as little as it can).
const corked: {
  res: HttpResponse | null; status: number; body: string | Uint8Array; contentType: string;
  headers: Array<[string, string]> | undefined; close: boolean;
} = { res: null, status: 200, body: '', contentType: '', headers: undefined, close: false };

function writeCorked(): void {
  const { res, status, body, contentType, headers, close } = corked;
  if (status !== 200) res!.writeStatus(statusLine(status));  // 200 OK is uWS's default
  res!.writeHeader(kContentType, asciiBytes(contentType));
  if (headers) {
    for (let i = 0; i < headers.length; i++) res!.writeHeader(asciiBytes(headers[i]![0]), headers[i]![1]);
  }
  res!.end(body, close);
}

export class Exchange implements HttpExchange {
  readonly head: RequestHead;
  #res: HttpResponse;
  #aborted = false;
  #ended = false;
  #hooks: ExchangeHooks;
  #abortListener: { cancel(): void } | undefined;

  constructor(res: HttpResponse, req: HttpRequest, paramCount: number, hooks: ExchangeHooks) {
    this.#res = res;
    this.#hooks = hooks;
    res.onAborted(() => {
      this.#aborted = true;
      this.#abortListener?.cancel();
      this.#finish();
    });
    const params = new Array<string>(paramCount);  // sized: a push would reserve 17 slots
    for (let i = 0; i < paramCount; i++) params[i] = safeDecode(req.getParameter(i) ?? '');
    const cl = req.getHeader(kContentLength);
    const encoding = req.getHeader(kContentEncoding);
    this.head = {
      method: req.getMethod(),
      url: req.getUrl(),
      params,
      contentLength: cl === '' ? undefined : Number(cl),
      contentEncoding: encoding === '' ? '' : encoding.toLowerCase(),
      inferenceHeaderLength: req.getHeader(kInferenceHeaderLength),
    };
  }

  get res(): HttpResponse { return this.#res; }
  get aborted(): boolean { return this.#aborted; }
  get open(): boolean { return !this.#aborted && !this.#ended; }

  /** `listener.cancel()` runs if the client goes away (one listener: a body reader). */
  onAbort(listener: { cancel(): void }): void {
    const before = this.#abortListener;
    this.#abortListener = before ? { cancel: () => { before.cancel(); listener.cancel(); } } : listener;
  }

  readBody(limit: number, alignPad = 0): Promise<Buffer> { return readBody(this, limit, alignPad); }

  withBody(limit: number, alignPad: number, use: (body: Buffer) => void | Promise<void>): void {
    receiveBody(this, limit, alignPad, use);
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#hooks.onFinish();
  }

  /** Sends a complete response. `headers` are name/value pairs. */
  send(status: number, body: string | Uint8Array, contentType: string, headers?: Array<[string, string]>, closeConnection = false): void {
    if (!this.open) return;
    const r = corked;
    r.res = this.#res;
    r.status = status;
    r.body = body;
    r.contentType = contentType;
    r.headers = headers;
    r.close = closeConnection;
    try {
      this.#res.cork(writeCorked);
    } finally {
      r.res = null;  // hold nothing of this response
      r.body = '';
      r.headers = undefined;
    }
    this.#finish();
  }

  json(status: number, text: string): void {
    this.send(status, text, 'application/json');
  }

  /** Empty-bodied status (health endpoints). */
  status(status: number): void {
    if (!this.open) return;
    this.#res.cork(() => { this.#res.writeStatus(statusLine(status)).end(); });
    this.#finish();
  }

  /** `{"error": "..."}` with the status from the error catalogue. */
  error(err: unknown): void {
    const e = toLarchError(err);
    // An oversized body was not read: close the connection rather than parse the rest as a request.
    const closeConnection = e.code === 'PAYLOAD_TOO_LARGE';
    if (e.code === 'INTERNAL') this.#hooks.onError?.(err, this.head);
    const r = errorResponse(e);
    this.send(r.status, r.body, 'application/json', undefined, closeConnection);
  }
}

/** Status and `{"error": "..."}` body of an error, from the error catalogue. */
export function errorResponse(err: unknown): { status: number; body: string } {
  const e = toLarchError(err);
  return { status: httpStatusOf(e), body: JSON.stringify({ error: e.message }) };
}

function safeDecode(s: string): string {
  if (!s.includes('%')) return s;
  try { return decodeURIComponent(s); } catch { return s; }
}

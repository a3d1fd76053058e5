// One HTTP request/response on uWebSockets.js, following its lifetime rules: the HttpRequest is
// only valid synchronously inside the handler, so method/url/headers are copied up front; onAborted
// is attached before anything async; every write happens inside cork(); nothing is written after
// the client went away or after the response ended.
import type { HttpRequest, HttpResponse } from './uws.js';
import { httpStatusOf, toLarchError } from '../protocol/errors.js';
import { statusLine } from './status-text.js';
import { readBody } from './body.js';

export interface RequestHead {
  method: string;
  url: string;
  /** URL parameters of the matched route, decoded. */
  params: string[];
  contentLength: number | undefined;
  contentEncoding: string;
  /** Inference-Header-Content-Length (binary extension), raw text; '' when absent. */
  inferenceHeaderLength: string;
  transferEncoding: string;
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

export class Exchange implements HttpExchange {
  readonly head: RequestHead;
  #res: HttpResponse;
  #aborted = false;
  #ended = false;
  #hooks: ExchangeHooks;
  #abortListeners: Array<() => void> = [];

  constructor(res: HttpResponse, req: HttpRequest, paramCount: number, hooks: ExchangeHooks) {
    this.#res = res;
    this.#hooks = hooks;
    res.onAborted(() => {
      this.#aborted = true;
      for (const l of this.#abortListeners) l();
      this.#finish();
    });
    const params: string[] = [];
    for (let i = 0; i < paramCount; i++) params.push(safeDecode(req.getParameter(i) ?? ''));
    const cl = req.getHeader('content-length');
    this.head = {
      method: req.getMethod(),
      url: req.getUrl(),
      params,
      contentLength: cl === '' ? undefined : Number(cl),
      contentEncoding: req.getHeader('content-encoding').toLowerCase(),
      inferenceHeaderLength: req.getHeader('inference-header-content-length'),
      transferEncoding: req.getHeader('transfer-encoding').toLowerCase(),
    };
  }

  get res(): HttpResponse { return this.#res; }
  get aborted(): boolean { return this.#aborted; }
  get open(): boolean { return !this.#aborted && !this.#ended; }

  onAbort(listener: () => void): void { this.#abortListeners.push(listener); }

  readBody(limit: number, alignPad = 0): Promise<Buffer> { return readBody(this, limit, alignPad); }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#hooks.onFinish();
  }

  /** Sends a complete response. `headers` are name/value pairs. */
  send(status: number, body: string | Uint8Array, contentType: string, headers?: Array<[string, string]>, closeConnection = false): void {
    if (!this.open) return;
    this.#res.cork(() => {
      this.#res.writeStatus(statusLine(status));
      this.#res.writeHeader('Content-Type', contentType);
      if (headers) for (const [k, v] of headers) this.#res.writeHeader(k, v);
      this.#res.end(body, closeConnection);
    });
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
  try { return decodeURIComponent(s); } catch { return s; }
}

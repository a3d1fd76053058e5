// The main thread's side of a request an HTTP worker thread forwarded: an HttpExchange whose body
// came in the message and whose answer goes back as a message.
import { toLarchError } from '../protocol/errors.js';
import { decodeBody, useBody } from './body.js';
import { errorResponse, type HttpExchange, type RequestHead } from './exchange.js';
import { ownBytes, type ToWorker } from './thread-messages.js';

export class RemoteExchange implements HttpExchange {
  #answered = false;

  constructor(readonly head: RequestHead, readonly id: number, readonly rawBody: Buffer,
    readonly reply: (msg: ToWorker, transfer?: ArrayBuffer[]) => void,
    readonly onInternalError?: (err: unknown, head: RequestHead) => void) {}

  /** The worker enforced the raw size limit; decompression is bounded here. */
  readBody(limit: number): Promise<Buffer> {
    return decodeBody(this.rawBody, this.head.contentEncoding, limit);
  }

  withBody(limit: number, _alignPad: number, use: (body: Buffer) => void | Promise<void>): void {
    this.readBody(limit).then((body) => useBody(this, use, body), (err) => this.error(err));
  }

  send(status: number, body: string | Uint8Array, contentType: string, headers: Array<[string, string]> = []): void {
    if (this.#answered) return;
    this.#answered = true;
    if (typeof body === 'string') {
      this.reply({ type: 'response', id: this.id, status, contentType, headers, body });
    } else {
      const bytes = ownBytes(body);
      this.reply({ type: 'response', id: this.id, status, contentType, headers, body: bytes }, [bytes]);
    }
  }

  json(status: number, text: string): void { this.send(status, text, 'application/json'); }

  status(status: number): void { this.send(status, '', ''); }

  error(err: unknown): void {
    if (toLarchError(err).code === 'INTERNAL') this.onInternalError?.(err, this.head);
    const r = errorResponse(err);
    this.send(r.status, r.body, 'application/json');
  }
}

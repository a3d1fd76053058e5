// The HTTP front end: one uWebSockets.js app serving the KServe v2 routes. stop() closes the
// listen socket (no new connections), waits for requests in flight, then closes the rest.
import type { ModelRepositoryView } from '../repository/types.js';
import type { RequestHead } from './exchange.js';
import { registerRoutes, runHandler, type HandlerContext } from './routes.js';
import { loadUws, type TemplatedApp, type us_listen_socket } from './uws.js';

export const DEFAULT_MAX_INPUT_SIZE = 64 * 1024 * 1024; // Triton's --http-max-input-size default

export interface HttpFrontEndOptions {
  repository: ModelRepositoryView;
  port: number;
  host?: string;
  maxInputSize?: number;
  /** Unexpected (INTERNAL) errors, for logging. */
  onInternalError?: (err: unknown, head: RequestHead) => void;
}

export class HttpFrontEnd {
  #app: TemplatedApp;
  #listenSocket: us_listen_socket | null = null;
  #inFlight = 0;
  #drained: (() => void) | null = null;
  #port = 0;
  readonly #options: HttpFrontEndOptions;

  constructor(options: HttpFrontEndOptions) {
    this.#options = options;
    const uws = loadUws();
    this.#app = uws.App();
    const hooks = {
      onFinish: () => {
        if (--this.#inFlight === 0 && this.#drained) this.#drained();
      },
      onError: options.onInternalError,
    };
    const ctx: HandlerContext = { repository: options.repository, maxInputSize: options.maxInputSize ?? DEFAULT_MAX_INPUT_SIZE };
    registerRoutes(this.#app, () => { this.#inFlight++; return hooks; }, (name, ex) => runHandler(name, ex, ctx));
  }

  get port(): number { return this.#port; }
  get inFlight(): number { return this.#inFlight; }

  /** Listens; resolves with the bound port (an ephemeral one when options.port is 0). */
  listen(): Promise<number> {
    const uws = loadUws();
    const host = this.#options.host ?? '0.0.0.0';
    return new Promise((resolve, reject) => {
      this.#app.listen(host, this.#options.port, (socket) => {
        if (!socket) { reject(new Error(`HTTP front end could not listen on ${host}:${this.#options.port} (port in use?)`)); return; }
        this.#listenSocket = socket;
        this.#port = uws.us_socket_local_port(socket);
        resolve(this.#port);
      });
    });
  }

  /**
   * Stops accepting connections, lets requests in flight finish (at most `timeoutMs`), then
   * closes every socket (idle keep-alive connections included).
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    const uws = loadUws();
    if (this.#listenSocket) { uws.us_listen_socket_close(this.#listenSocket); this.#listenSocket = null; }
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.#drained = () => { clearTimeout(timer); resolve(); };
      });
    }
    (this.#app as TemplatedApp & { close?: () => void }).close?.();
  }
}

// The HTTP front end: one uWebSockets.js app serving the KServe v2 routes. stop() closes the
// listen socket (no new connections), waits for requests in flight, then closes the rest.
import net from 'node:net';
import type { ModelRepositoryView } from '../repository/types.js';
import { SystemSharedMemory } from '../protocol/shared-memory.js';
import { ServerLog } from '../server/logger.js';
import type { RequestHead } from './exchange.js';
import { registerRoutes, runHandler, type HandlerContext } from './routes.js';
import { HttpThreads } from './threads.js';
import { loadUws, type TemplatedApp, type us_listen_socket } from './uws.js';

export const DEFAULT_MAX_INPUT_SIZE = 64 * 1024 * 1024; // Triton's --http-max-input-size default

export interface HttpFrontEndOptions {
  repository: ModelRepositoryView;
  port: number;
  host?: string;
  maxInputSize?: number;
  /**
   * HTTP threads in all (default 1): the main thread's app plus threads-1 worker threads, each
   * with its own uWS app on the same port. Workers run inference on natively batched models
   * themselves and forward everything else to the main thread.
   */
  threads?: number;
  /** Unexpected (INTERNAL) errors, for logging. */
  onInternalError?: (err: unknown, head: RequestHead) => void;
  /** The registered system shared-memory regions (default: none, registration refused). */
  sharedMemory?: SystemSharedMemory;
  /** The server's log, whose settings GET/POST /v2/logging read and change (default: stderr). */
  serverLog?: ServerLog;
}

/** A port that is free right now on `host` (the kernel's pick). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export class HttpFrontEnd {
  #app: TemplatedApp;
  #listenSocket: us_listen_socket | null = null;
  #inFlight = 0;
  #drained: (() => void) | null = null;
  #port = 0;
  #threads: HttpThreads | null = null;
  readonly #ctx: HandlerContext;
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
    const ctx: HandlerContext = {
      repository: options.repository,
      maxInputSize: options.maxInputSize ?? DEFAULT_MAX_INPUT_SIZE,
      sharedMemory: options.sharedMemory ?? new SystemSharedMemory(false),
      serverLog: options.serverLog ?? new ServerLog(),
    };
    this.#ctx = ctx;
    registerRoutes(this.#app, () => { this.#inFlight++; return hooks; }, (name, ex) => runHandler(name, ex, ctx));
  }

  get port(): number { return this.#port; }
  get inFlight(): number { return this.#inFlight; }

  /** Listens; resolves with the bound port (an ephemeral one when options.port is 0). */
  async listen(): Promise<number> {
    const extraThreads = (this.#options.threads ?? 1) - 1;
    let port = 0;
    if (this.#options.port === 0 && extraThreads > 0) {
      // A port the kernel picked (bind to 0) cannot be joined by other SO_REUSEPORT sockets, so
      // with several threads pick a free port first and bind every app to it explicitly.
      for (let attempt = 0; !port; attempt++) {
        try {
          port = await this.#listenMain(await freePort(this.#options.host ?? '0.0.0.0'));
        } catch (err) {
          if (attempt >= 4) throw err;
        }
      }
    } else {
      port = await this.#listenMain(this.#options.port);
    }
    if (extraThreads > 0) {
      this.#threads = new HttpThreads(this.#ctx, this.#options.onInternalError);
      await this.#threads.start(extraThreads, this.#options.host ?? '0.0.0.0', port);
    }
    return port;
  }

  #listenMain(port: number): Promise<number> {
    const uws = loadUws();
    const host = this.#options.host ?? '0.0.0.0';
    return new Promise((resolve, reject) => {
      this.#app.listen(host, port, (socket) => {
        if (!socket) { reject(new Error(`HTTP front end could not listen on ${host}:${port} (port in use?)`)); return; }
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
    // Workers finish their requests (forwarded ones are answered here meanwhile) and exit.
    const workers = this.#threads?.stop(timeoutMs);
    this.#threads = null;
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.#drained = () => { clearTimeout(timer); resolve(); };
      });
    }
    await workers;
    (this.#app as TemplatedApp & { close?: () => void }).close?.();
  }
}

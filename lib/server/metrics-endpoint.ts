// The metrics port: GET /metrics answers Prometheus text exposition from a render function
// (lib/metrics over the repository's statistics); every other path is 404.
import { Exchange } from '../http/exchange.js';
import { loadUws, type TemplatedApp, type us_listen_socket } from '../http/uws.js';
import { METRICS_CONTENT_TYPE } from '../metrics/index.js';
import { notFound } from '../protocol/errors.js';

export class MetricsEndpoint {
  #app: TemplatedApp;
  #socket: us_listen_socket | null = null;
  #port = 0;

  constructor(readonly render: () => string | Promise<string>, readonly host: string, readonly requestedPort: number) {
    const uws = loadUws();
    this.#app = uws.App();
    const hooks = { onFinish: () => {} };
    this.#app.get('/metrics', (res, req) => {
      const ex = new Exchange(res, req, 0, hooks);
      Promise.resolve().then(() => this.render()).then(
        (text) => ex.send(200, text, METRICS_CONTENT_TYPE),
        (err) => ex.error(err));
    });
    this.#app.any('/*', (res, req) => {
      const ex = new Exchange(res, req, 0, hooks);
      ex.error(notFound(`no route for ${ex.head.method.toUpperCase()} ${ex.head.url} on the metrics port (try GET /metrics)`));
    });
  }

  get port(): number { return this.#port; }

  listen(): Promise<number> {
    const uws = loadUws();
    return new Promise((resolve, reject) => {
      this.#app.listen(this.host, this.requestedPort, (socket) => {
        if (!socket) { reject(new Error(`metrics endpoint could not listen on ${this.host}:${this.requestedPort} (port in use?)`)); return; }
        this.#socket = socket;
        this.#port = uws.us_socket_local_port(socket);
        resolve(this.#port);
      });
    });
  }

  stop(): void {
    const uws = loadUws();
    if (this.#socket) { uws.us_listen_socket_close(this.#socket); this.#socket = null; }
    (this.#app as TemplatedApp & { close?: () => void }).close?.();
  }
}

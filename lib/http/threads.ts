// The main thread's side of --http-thread-count > 1: starts N-1 HTTP worker threads on the port
// the main thread's app bound, answers their forwarded requests with the same handlers, and
// tells them which native model serves a name/version (the repository lives here).
import { Worker } from 'node:worker_threads';
import type { InferenceModel } from '../backends/types.js';
import { toLarchError } from '../protocol/errors.js';
import type { RequestHead } from './exchange.js';
import { RemoteExchange } from './remote-exchange.js';
import { runHandler, type HandlerContext } from './routes.js';
import type { ModelDescriptor, ToMain, ToWorker, WorkerData } from './thread-messages.js';

function describe(model: InferenceModel): ModelDescriptor {
  const d: ModelDescriptor = {
    name: model.name, version: model.version, platform: model.platform, maxBatchSize: model.maxBatchSize,
    inputs: model.inputs, outputs: model.outputs, responseParameters: model.responseParameters,
  };
  if (model.outputLabels) d.outputLabels = model.outputLabels;
  const id = model.nativeModelId;
  if (id) d.nativeModelId = id;
  return d;
}

export class HttpThreads {
  #workers: Worker[] = [];
  #inFlight = 0;

  constructor(readonly ctx: HandlerContext, readonly onInternalError?: (err: unknown, head: RequestHead) => void) {}

  /** Forwarded requests being answered on the main thread. */
  get inFlight(): number { return this.#inFlight; }

  /** Starts `count` workers listening on host:port; resolves once all listen. */
  async start(count: number, host: string, port: number): Promise<void> {
    const data: WorkerData = { host, port, maxInputSize: this.ctx.maxInputSize };
    const started = [];
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
      this.#workers.push(w);
      started.push(new Promise<void>((resolve, reject) => {
        w.once('error', reject);
        w.on('message', (msg: ToMain) => {
          if (msg.type === 'listening') resolve();
          else if (msg.type === 'failed') reject(new Error(msg.message));
          else this.#onMessage(w, msg);
        });
      }));
    }
    try {
      await Promise.all(started);
    } catch (err) {
      await this.stop(0);
      throw err;
    }
  }

  #onMessage(w: Worker, msg: ToMain): void {
    const reply = (m: ToWorker, transfer?: ArrayBuffer[]) => w.postMessage(m, transfer ?? []);
    if (msg.type === 'resolve') {
      try {
        reply({ type: 'resolved', id: msg.id, descriptor: describe(this.ctx.repository.getModel(msg.model, msg.version)) });
      } catch (err) {
        const e = toLarchError(err);
        reply({ type: 'resolved', id: msg.id, error: { code: e.code, message: e.message } });
      }
    } else if (msg.type === 'forward') {
      this.#inFlight++;
      const ex = new RemoteExchange(msg.head, msg.id, Buffer.from(msg.body), (m, t) => { this.#inFlight--; reply(m, t); }, this.onInternalError);
      runHandler(msg.name, ex, this.ctx);
    }
  }

  /** Each worker stops accepting, finishes its requests (at most `timeoutMs`), and exits. */
  async stop(timeoutMs: number): Promise<void> {
    await Promise.all(this.#workers.map((w) => new Promise<void>((resolve) => {
      const done = () => { void w.terminate().finally(resolve); };
      const timer = setTimeout(done, timeoutMs + 1000);
      timer.unref();
      w.on('message', (m: ToMain) => { if (m.type === 'stopped') { clearTimeout(timer); done(); } });
      w.once('exit', () => { clearTimeout(timer); resolve(); });
      w.postMessage({ type: 'stop', timeoutMs } satisfies ToWorker);
    })));
    this.#workers = [];
  }
}

// Entry point of an HTTP worker thread (--http-thread-count > 1): its own uWS app on the shared
// port (SO_REUSEPORT spreads connections over threads). Inference on models with a native
// batcher runs here; every other request is forwarded to the main thread, which owns the
// repository, and answered with the main thread's reply.
import { parentPort, workerData } from 'node:worker_threads';
import { LarchError, toLarchError } from '../protocol/errors.js';
import { SharedMemoryOnMainThread } from '../protocol/shared-memory.js';
import { decodeBody, readRawBody } from './body.js';
import type { Exchange } from './exchange.js';
import { answerInference, modelName, modelVersion, parseHeaderLength, registerRoutes, type HandlerName } from './routes.js';
import { ownBytes, type ModelDescriptor, type ToMain, type ToWorker, type WorkerData } from './thread-messages.js';
import { loadUws, type TemplatedApp, type us_listen_socket } from './uws.js';
import { WorkerModel } from './worker-model.js';

const port = parentPort!;
const data = workerData as WorkerData;
const post = (msg: ToMain, transfer?: ArrayBuffer[]) => port.postMessage(msg, transfer ?? []);

let nextId = 1;
const waiting = new Map<number, (msg: ToWorker) => void>();
function ask(msg: ToMain, transfer?: ArrayBuffer[]): Promise<ToWorker> {
  return new Promise((resolve) => {
    waiting.set((msg as { id: number }).id, resolve);
    post(msg, transfer);
  });
}

// ---- model resolution (cached per name/version until the model turns out to be unloaded) ----

interface Resolved { descriptor: ModelDescriptor; model: WorkerModel | undefined }
const cache = new Map<string, Promise<Resolved>>();
// The same answers once they arrived, so the hot path needs no await.
// By name, then version ('' for none): a lookup builds no key string.
const settled = new Map<string, Map<string, Resolved>>();
const key = (name: string, version: string | undefined) => `${name}\u0000${version ?? ''}`;

function resolve(name: string, version: string | undefined): Promise<Resolved> {
  const k = key(name, version);
  let p = cache.get(k);
  if (!p) {
    p = ask({ type: 'resolve', id: nextId++, model: name, version }).then((msg) => {
      if (msg.type !== 'resolved') throw new LarchError('INTERNAL', 'unexpected reply to resolve');
      if (msg.error) throw new LarchError(msg.error.code, msg.error.message);
      const d = msg.descriptor!;
      const r = { descriptor: d, model: d.nativeModelId ? new WorkerModel(d as ModelDescriptor & { nativeModelId: string }) : undefined };
      if (cache.get(k) === p) {
        let byVersion = settled.get(name);
        if (!byVersion) settled.set(name, (byVersion = new Map()));
        byVersion.set(version ?? '', r);
      }
      return r;
    });
    cache.set(k, p);
    p.catch(() => cache.delete(k)); // errors (unknown model, ...) are not cached
  }
  return p;
}

function invalidate(name: string, version: string | undefined, stale: Resolved): void {
  const k = key(name, version);
  if (settled.get(name)?.get(version ?? '') === stale) settled.get(name)!.delete(version ?? '');
  cache.delete(k);
  void stale.model?.close().catch(() => undefined);
}

// ---- forwarding ----

async function forwardWithBody(name: HandlerName, ex: Exchange, body: Buffer, head = ex.head): Promise<void> {
  const bytes = ownBytes(body);
  const reply = await ask({ type: 'forward', id: nextId++, name, head, body: bytes }, [bytes]);
  if (reply.type !== 'response') throw new LarchError('INTERNAL', 'unexpected reply to forward');
  if (reply.contentType === '') ex.status(reply.status);
  else ex.send(reply.status, typeof reply.body === 'string' ? reply.body : new Uint8Array(reply.body), reply.contentType, reply.headers);
}

async function forward(name: HandlerName, ex: Exchange): Promise<void> {
  const raw = ex.head.method === 'get' ? Buffer.alloc(0) : await readRawBody(ex, data.maxInputSize, 0);
  await forwardWithBody(name, ex, raw);
}

// ---- inference ----

function infer(ex: Exchange): void | Promise<void> {
  const name = modelName(ex);
  const version = modelVersion(ex);
  const headerLength = parseHeaderLength(ex.head.inferenceHeaderLength);
  const pad = headerLength === undefined || ex.head.contentEncoding ? 0 : (8 - (headerLength % 8)) % 8;
  const resolved = settled.get(name)?.get(version ?? '');
  if (resolved?.model) {
    // The hot path: the model is known, the answer is written in the body's data callback.
    ex.withBody(data.maxInputSize, pad, (body) => answerOn(resolved, ex, body, headerLength, name, version, 0));
    return;
  }
  return inferUnresolved(ex, name, version, headerLength, pad);
}

/** First request for a name/version on this thread: ask the main thread while the body arrives. */
async function inferUnresolved(ex: Exchange, name: string, version: string | undefined, headerLength: number | undefined, pad: number): Promise<void> {
  // uWS delivers the body only to an onData attached before the handler returns: start reading
  // now, resolve the model meanwhile.
  const raw = readRawBody(ex, data.maxInputSize, pad);
  raw.catch(() => undefined);
  const resolved = await resolve(name, version);
  if (!resolved.model) { await forwardWithBody('infer', ex, await raw); return; }
  const encoding = ex.head.contentEncoding;
  const body = encoding === '' || encoding === 'identity' ? await raw : await decodeBody(await raw, encoding, data.maxInputSize);
  await answerOn(resolved, ex, body, headerLength, name, version, 0);
}

/** Runs the request on this thread's model; when the cached version was unloaded (reload, unload), asks the main thread again, once. */
function answerOn(resolved: Resolved, ex: Exchange, body: Buffer, headerLength: number | undefined,
  name: string, version: string | undefined, attempt: number): void | Promise<void> {
  let pending: void | Promise<void>;
  try {
    pending = answerInference(resolved.model!, ex, body, headerLength);
  } catch (err) {
    return retryAnswer(err, resolved, ex, body, headerLength, name, version, attempt);
  }
  // (A closure only for a queued request: the inline path allocates none.)
  return pending?.catch((err) => retryAnswer(err, resolved, ex, body, headerLength, name, version, attempt));
}

/** After a failure: when the cached version was unloaded (reload, unload), asks the main thread again, once. */
async function retryAnswer(err: unknown, resolved: Resolved, ex: Exchange, body: Buffer, headerLength: number | undefined,
  name: string, version: string | undefined, attempt: number): Promise<void> {
  // Shared-memory regions are registered on the main thread: it answers such requests.
  if (err instanceof SharedMemoryOnMainThread) return forwardWithBody('infer', ex, body, { ...ex.head, contentEncoding: '' });
  if (attempt > 0 || toLarchError(err).code !== 'UNAVAILABLE') throw err;
  invalidate(name, version, resolved);
  const again = await resolve(name, version);
  if (again.model) await answerOn(again, ex, body, headerLength, name, version, attempt + 1);
  else await forwardWithBody('infer', ex, body, { ...ex.head, contentEncoding: '' });
}

// ---- the app ----

const uws = loadUws();
const app: TemplatedApp = uws.App();
let inFlight = 0;
let drained: (() => void) | null = null;
const hooks = { onFinish: () => { if (--inFlight === 0 && drained) drained(); } };

registerRoutes(app, () => { inFlight++; return hooks; }, (name, ex) => {
  try {
    const work = name === 'infer' ? infer(ex) : forward(name, ex);
    work?.catch((err) => ex.error(err));
  } catch (err) {
    ex.error(err);
  }
});

let listenSocket: us_listen_socket | null = null;
app.listen(data.host, data.port, (socket) => {
  if (!socket) { post({ type: 'failed', message: `HTTP worker could not listen on ${data.host}:${data.port}` }); return; }
  listenSocket = socket;
  post({ type: 'listening', port: uws.us_socket_local_port(socket) });
});

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') {
    if (listenSocket) { uws.us_listen_socket_close(listenSocket); listenSocket = null; }
    const finish = () => {
      (app as TemplatedApp & { close?: () => void }).close?.();
      void Promise.all([...cache.values()].map((p) => p.then((r) => r.model?.close(), () => undefined))).finally(() => post({ type: 'stopped' }));
    };
    if (inFlight === 0) finish();
    else {
      const timer = setTimeout(finish, msg.timeoutMs);
      drained = () => { clearTimeout(timer); finish(); };
    }
    return;
  }
  const w = waiting.get(msg.id);
  if (w) { waiting.delete(msg.id); w(msg); }
});

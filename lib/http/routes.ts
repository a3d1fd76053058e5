// KServe v2 / Triton HTTP routes. Handlers are named and take an HttpExchange, so the same code
// answers requests arriving on the main thread's uWS app and requests an HTTP worker thread
// forwards to the main thread (everything but inference on models the worker runs itself).
import type { InferenceModel } from '../backends/types.js';
import type { ModelRepositoryView } from '../repository/types.js';
import { invalidArgument, notFound, unsupported } from '../protocol/errors.js';
import type { SharedMemoryAccess, SystemSharedMemory } from '../protocol/shared-memory.js';
import type { ServerLog } from '../server/logger.js';
import { decodeHttpInferRequest, encodeHttpInferResponse, parseJsonBody } from '../protocol/http-codec.js';
import { inferenceResult, startInference } from '../protocol/infer.js';
import type { InferResult } from '../protocol/infer-request.js';
import { indexJson, maxBatchSizeOf, modelMetadataObject, serverMetadataJson, statisticsJson } from '../protocol/json-views.js';
import { parseLoadParameters } from '../protocol/repository-requests.js';
import { Exchange, type ExchangeHooks, type HttpExchange } from './exchange.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

/** What the main thread's handlers work on. */
export interface HandlerContext {
  repository: ModelRepositoryView;
  /** Largest accepted request body, after decompression (bytes). */
  maxInputSize: number;
  /** The registered system shared-memory regions. */
  sharedMemory: SystemSharedMemory;
  /** The server's log (the logging extension reads and changes its settings). */
  serverLog: ServerLog;
}

type Handler = (ex: HttpExchange, ctx: HandlerContext) => void | Promise<void>;

/** Reads the (small) JSON body of a control request; an empty body is an empty object. */
async function jsonBody(ex: HttpExchange, ctx: HandlerContext, what: string): Promise<Record<string, unknown>> {
  const body = await ex.readBody(ctx.maxInputSize);
  if (body.length === 0) return {};
  return parseJsonBody(body, what);
}

/** The model name of a /v2/models/{name}[/versions/{version}] route. */
export function modelName(ex: HttpExchange): string {
  return ex.head.params[0]!;
}

/** The version of such a route, undefined when none is named. */
export function modelVersion(ex: HttpExchange): string | undefined {
  const version = ex.head.params[1];
  return version === undefined || version === '' ? undefined : version;
}

export function modelRef(ex: HttpExchange): [string, string | undefined] {
  const [name, version] = ex.head.params;
  return [name!, version === undefined || version === '' ? undefined : version];
}

export function parseHeaderLength(text: string): number | undefined {
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw invalidArgument(`Inference-Header-Content-Length must be a non-negative integer, got "${text}"`);
  return n;
}

/** Inference on a resolved model: read, decode, run, encode, answer. */
export function inferOn(model: InferenceModel, ex: HttpExchange, ctx: HandlerContext): void {
  const headerLength = parseHeaderLength(ex.head.inferenceHeaderLength);
  // Lay the body out so the binary section (at offset headerLength) starts 8-byte aligned.
  const pad = headerLength === undefined ? 0 : (8 - (headerLength % 8)) % 8;
  ex.withBody(ctx.maxInputSize, pad, (body) => answerInference(model, ex, body, headerLength, ctx.sharedMemory));
}

/**
 * Decodes a read body, runs it on `model` and sends the response (main thread and HTTP
 * workers). When the model answers synchronously, so does this: the response is written before
 * it returns. A bad request throws; a failure after queueing rejects. `shm`: the shared-memory
 * regions (main thread); a worker passes none and hands shared-memory requests to the main thread.
 */
export function answerInference(model: InferenceModel, ex: HttpExchange, body: Buffer, headerLength: number | undefined,
  shm?: SharedMemoryAccess): void | Promise<void> {
  const { request, binaryOutput } = decodeHttpInferRequest(model, body, headerLength, shm);
  const outputs = startInference(model, request);
  if (Array.isArray(outputs)) sendInferResult(ex, inferenceResult(model, request, binaryOutput, outputs));
  else return outputs.then((tensors) => sendInferResult(ex, inferenceResult(model, request, binaryOutput, tensors)));
}

function sendInferResult(ex: HttpExchange, result: InferResult): void {
  const encoded = encodeHttpInferResponse(result);
  if (encoded.headerLength === undefined) ex.send(200, encoded.body, 'application/json');
  else ex.send(200, encoded.body, 'application/octet-stream', headerLengthHeader(encoded.headerLength));
}

// The Inference-Header-Content-Length header of a binary response, kept per length: responses
// of one model and shape all have the same, and a request should allocate as little as it can.
const headerLengthHeaders = new Map<number, Array<[string, string]>>();
function headerLengthHeader(n: number): Array<[string, string]> {
  let h = headerLengthHeaders.get(n);
  if (!h) {
    h = [['Inference-Header-Content-Length', String(n)]];
    if (headerLengthHeaders.size < 1024) headerLengthHeaders.set(n, h);
  }
  return h;
}

export const handlers = {
  live: (ex) => ex.status(200),
  ready: (ex, { repository }) => ex.status(repository.ready ? 200 : 400),
  serverMetadata: (ex) => ex.json(200, serverMetadataJson()),
  modelMetadata: (ex, { repository }) => {
    const [name, version] = modelRef(ex);
    const meta = repository.metadata(name, version);
    ex.json(200, JSON.stringify(modelMetadataObject(meta, maxBatchSizeOf(repository, name, version))));
  },
  modelReady: (ex, { repository }) => {
    // As Triton: 200 when ready; otherwise the error a request would get (404 unknown model or
    // version, 503 a version that failed to load), with its message.
    const [name, version] = modelRef(ex);
    repository.requireReady(name, version);
    ex.status(200);
  },
  modelConfig: (ex, { repository }) => {
    const [name, version] = modelRef(ex);
    ex.json(200, JSON.stringify(repository.config(name, version)));
  },
  modelStats: (ex, { repository }) => {
    const [name, version] = modelRef(ex);
    ex.json(200, statisticsJson(repository.statistics(name, version)));
  },
  allStats: (ex, { repository }) => ex.json(200, statisticsJson(repository.statistics())),
  infer: (ex, ctx) => {
    // Resolve the model before reading the body so an unknown model fails fast.
    return inferOn(ctx.repository.getModel(modelName(ex), modelVersion(ex)), ex, ctx);
  },
  // Triton's logging extension: the log settings, read and changed.
  getLogging: (ex, { serverLog }) => ex.json(200, JSON.stringify(serverLog.settings())),
  setLogging: async (ex, ctx) => {
    const body = await jsonBody(ex, ctx, 'log settings request');
    ex.json(200, JSON.stringify(ctx.serverLog.update(body)));
  },
  // System shared memory (lib/protocol/shared-memory.ts); the region name is the URL parameter.
  shmStatus: (ex, { sharedMemory }) => ex.json(200, JSON.stringify(sharedMemory.status(ex.head.params[0]))),
  shmRegister: async (ex, ctx) => {
    const body = await jsonBody(ex, ctx, 'shared-memory register request');
    ctx.sharedMemory.register(ex.head.params[0], body.key, body.offset, body.byte_size);
    ex.json(200, '');
  },
  shmUnregister: (ex, { sharedMemory }) => {
    sharedMemory.unregister(ex.head.params[0]);
    ex.json(200, '');
  },
  // CUDA shared memory: larch runs on the CPU, so no region can be registered (and none exists).
  cudaShmStatus: (ex) => {
    const name = ex.head.params[0];
    if (name) throw notFound(`no CUDA shared-memory region '${name}' is registered (larch serves on the CPU)`);
    ex.json(200, '[]');
  },
  cudaShmRegister: () => {
    throw unsupported('CUDA shared memory is not supported: larch runs models on the CPU; use system shared memory (--allow-client-shm=true)');
  },
  cudaShmUnregister: (ex) => ex.json(200, ''),
  repositoryIndex: async (ex, ctx) => {
    const body = await jsonBody(ex, ctx, 'repository index request');
    if (body.ready !== undefined && typeof body.ready !== 'boolean') throw invalidArgument('"ready" must be a boolean');
    ex.json(200, indexJson(await ctx.repository.index({ readyOnly: body.ready === true })));
  },
  loadModel: async (ex, ctx) => {
    const [name] = modelRef(ex);
    ctx.serverLog.verbose(1, 'http', `load request for model "${name}"`);
    const body = await jsonBody(ex, ctx, 'model load request');
    await ctx.repository.load(name, parseLoadParameters(body.parameters));
    ex.json(200, '');
  },
  unloadModel: async (ex, ctx) => {
    const [name] = modelRef(ex);
    ctx.serverLog.verbose(1, 'http', `unload request for model "${name}"`);
    const body = await jsonBody(ex, ctx, 'model unload request');
    const params = body.parameters as Record<string, unknown> | undefined;
    const dependents = params?.unload_dependents;
    if (dependents !== undefined && typeof dependents !== 'boolean') throw invalidArgument('"unload_dependents" must be a boolean');
    await ctx.repository.unload(name, { unloadDependents: dependents === true });
    ex.json(200, '');
  },
  notFound: (ex) => {
    // A known path asked with another method is 405, as Triton answers it.
    if (knownPath(ex.head.url)) {
      ex.json(405, JSON.stringify({ error: `Method Not Allowed: ${ex.head.method.toUpperCase()} ${ex.head.url}` }));
      return;
    }
    throw notFound(`no route for ${ex.head.method.toUpperCase()} ${ex.head.url}`);
  },
} satisfies Record<string, Handler>;

export type HandlerName = keyof typeof handlers;

/** Runs a handler, turning a throw or a rejection into the error response. */
export function runHandler(name: HandlerName, ex: HttpExchange, ctx: HandlerContext): void {
  try {
    const p = (handlers[name] as Handler)(ex, ctx);
    if (p) p.catch((err) => ex.error(err));
  } catch (err) {
    ex.error(err);
  }
}

let knownPaths: RegExp[] | undefined;
/** Whether some route serves this path (with whatever method). */
function knownPath(url: string): boolean {
  knownPaths ??= routeTable().filter((r) => r.method !== 'any')
    .map((r) => new RegExp(`^${r.pattern.replace(/:[a-z]+/g, '[^/]+')}$`));
  const path = url.split('?', 1)[0]!;
  return knownPaths.some((re) => re.test(path));
}

/** The route table: uWS pattern, URL parameter count, handler. */
export function routeTable(): Array<{ method: 'get' | 'post' | 'any'; pattern: string; params: number; name: HandlerName }> {
  const t: Array<{ method: 'get' | 'post' | 'any'; pattern: string; params: number; name: HandlerName }> = [
    { method: 'get', pattern: '/v2/health/live', params: 0, name: 'live' },
    { method: 'get', pattern: '/v2/health/ready', params: 0, name: 'ready' },
    { method: 'get', pattern: '/v2', params: 0, name: 'serverMetadata' },
    { method: 'get', pattern: '/v2/models/stats', params: 0, name: 'allStats' },
  ];
  for (const [base, n] of [['/v2/models/:model', 1], ['/v2/models/:model/versions/:version', 2]] as const) {
    t.push({ method: 'get', pattern: base, params: n, name: 'modelMetadata' });
    t.push({ method: 'get', pattern: `${base}/ready`, params: n, name: 'modelReady' });
    t.push({ method: 'get', pattern: `${base}/config`, params: n, name: 'modelConfig' });
    t.push({ method: 'get', pattern: `${base}/stats`, params: n, name: 'modelStats' });
    t.push({ method: 'post', pattern: `${base}/infer`, params: n, name: 'infer' });
  }
  t.push({ method: 'post', pattern: '/v2/repository/index', params: 0, name: 'repositoryIndex' });
  t.push({ method: 'post', pattern: '/v2/repository/models/:model/load', params: 1, name: 'loadModel' });
  t.push({ method: 'post', pattern: '/v2/repository/models/:model/unload', params: 1, name: 'unloadModel' });
  t.push({ method: 'get', pattern: '/v2/logging', params: 0, name: 'getLogging' });
  t.push({ method: 'post', pattern: '/v2/logging', params: 0, name: 'setLogging' });
  for (const [base, prefix] of [['/v2/systemsharedmemory', 'shm'], ['/v2/cudasharedmemory', 'cudaShm']] as const) {
    t.push({ method: 'get', pattern: `${base}/status`, params: 0, name: `${prefix}Status` });
    t.push({ method: 'get', pattern: `${base}/region/:region/status`, params: 1, name: `${prefix}Status` });
    t.push({ method: 'post', pattern: `${base}/region/:region/register`, params: 1, name: `${prefix}Register` });
    t.push({ method: 'post', pattern: `${base}/unregister`, params: 0, name: `${prefix}Unregister` });
    t.push({ method: 'post', pattern: `${base}/region/:region/unregister`, params: 1, name: `${prefix}Unregister` });
  }
  t.push({ method: 'any', pattern: '/*', params: 0, name: 'notFound' });
  return t;
}

/**
 * Registers every route on `app`. `dispatch` answers a request by handler name: on the main
 * thread it runs the handler; on a worker thread it runs inference locally or forwards.
 */
export function registerRoutes(app: TemplatedApp, hooks: () => ExchangeHooks, dispatch: (name: HandlerName, ex: Exchange) => void): void {
  for (const r of routeTable()) {
    app[r.method](r.pattern, (res: HttpResponse, req: HttpRequest) => {
      dispatch(r.name, new Exchange(res, req, r.params, hooks()));
    });
  }
}

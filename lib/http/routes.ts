// KServe v2 / Triton HTTP routes over a ModelRepositoryView. Each handler copies what it needs from
// the request synchronously (Exchange), then works asynchronously and answers once.
import type { ModelRepositoryView } from '../repository/types.js';
import { invalidArgument, LarchError, notFound } from '../protocol/errors.js';
import { decodeHttpInferRequest, encodeHttpInferResponse, parseJsonBody } from '../protocol/http-codec.js';
import { runInference } from '../protocol/infer.js';
import { indexJson, maxBatchSizeOf, modelMetadataObject, serverMetadataJson, statisticsJson } from '../protocol/json-views.js';
import { parseLoadParameters } from '../protocol/repository-requests.js';
import { readBody } from './body.js';
import { Exchange, type ExchangeHooks } from './exchange.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

export interface RouteContext {
  repository: ModelRepositoryView;
  /** Largest accepted request body, after decompression (bytes). */
  maxInputSize: number;
  hooks: () => ExchangeHooks;
}

type Handler = (ex: Exchange, ctx: RouteContext) => void | Promise<void>;

function route(ctx: RouteContext, paramCount: number, handler: Handler) {
  return (res: HttpResponse, req: HttpRequest) => {
    const ex = new Exchange(res, req, paramCount, ctx.hooks());
    try {
      const p = handler(ex, ctx);
      if (p) p.catch((err) => ex.error(err));
    } catch (err) {
      ex.error(err);
    }
  };
}

/** Reads the (small) JSON body of a control request; an empty body is an empty object. */
async function jsonBody(ex: Exchange, ctx: RouteContext, what: string): Promise<Record<string, unknown>> {
  const body = await readBody(ex, ctx.maxInputSize);
  if (body.length === 0) return {};
  return parseJsonBody(body, what);
}

// ---- health, metadata ----

const live: Handler = (ex) => ex.status(200);
const ready: Handler = (ex, { repository }) => ex.status(repository.ready ? 200 : 400);
const serverMetadata: Handler = (ex) => ex.json(200, serverMetadataJson());

function modelRef(ex: Exchange): [string, string | undefined] {
  const [name, version] = ex.head.params;
  return [name!, version === undefined || version === '' ? undefined : version];
}

const modelMetadata: Handler = (ex, { repository }) => {
  const [name, version] = modelRef(ex);
  const meta = repository.metadata(name, version);
  ex.json(200, JSON.stringify(modelMetadataObject(meta, maxBatchSizeOf(repository, name, version))));
};

const modelReady: Handler = (ex, { repository }) => {
  const [name, version] = modelRef(ex);
  ex.status(repository.isModelReady(name, version) ? 200 : 400);
};

const modelConfig: Handler = (ex, { repository }) => {
  const [name, version] = modelRef(ex);
  ex.json(200, JSON.stringify(repository.config(name, version)));
};

const modelStats: Handler = (ex, { repository }) => {
  const [name, version] = modelRef(ex);
  ex.json(200, statisticsJson(repository.statistics(name, version)));
};

const allStats: Handler = (ex, { repository }) => ex.json(200, statisticsJson(repository.statistics()));

// ---- inference ----

function parseHeaderLength(text: string): number | undefined {
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw invalidArgument(`Inference-Header-Content-Length must be a non-negative integer, got "${text}"`);
  return n;
}

const infer: Handler = async (ex, ctx) => {
  const [name, version] = modelRef(ex);
  const headerLength = parseHeaderLength(ex.head.inferenceHeaderLength);
  // Resolve the model before reading the body so an unknown model fails fast.
  const model = ctx.repository.getModel(name, version);
  const pad = headerLength === undefined ? 0 : (8 - (headerLength % 8)) % 8;
  const body = await readBody(ex, ctx.maxInputSize, pad);
  const { request, binaryOutput } = decodeHttpInferRequest(model, body, headerLength);
  const result = await runInference(model, request, binaryOutput);
  const encoded = encodeHttpInferResponse(result);
  if (encoded.headerLength === undefined) ex.send(200, encoded.body, 'application/json');
  else ex.send(200, encoded.body, 'application/octet-stream', [['Inference-Header-Content-Length', String(encoded.headerLength)]]);
};

// ---- repository extension ----

const repositoryIndex: Handler = async (ex, ctx) => {
  const body = await jsonBody(ex, ctx, 'repository index request');
  if (body.ready !== undefined && typeof body.ready !== 'boolean') throw invalidArgument('"ready" must be a boolean');
  const entries = await ctx.repository.index({ readyOnly: body.ready === true });
  ex.json(200, indexJson(entries));
};

const loadModel: Handler = async (ex, ctx) => {
  const [name] = modelRef(ex);
  const body = await jsonBody(ex, ctx, 'model load request');
  await ctx.repository.load(name, parseLoadParameters(body.parameters));
  ex.json(200, '');
};

const unloadModel: Handler = async (ex, ctx) => {
  const [name] = modelRef(ex);
  const body = await jsonBody(ex, ctx, 'model unload request');
  const params = body.parameters as Record<string, unknown> | undefined;
  const dependents = params?.unload_dependents;
  if (dependents !== undefined && typeof dependents !== 'boolean') throw invalidArgument('"unload_dependents" must be a boolean');
  await ctx.repository.unload(name, { unloadDependents: dependents === true });
  ex.json(200, '');
};

const notFoundRoute: Handler = (ex) => {
  throw notFound(`no route for ${ex.head.method.toUpperCase()} ${ex.head.url}`);
};

/** Registers every route on `app`. */
export function registerRoutes(app: TemplatedApp, ctx: RouteContext): void {
  const m = '/v2/models/:model';
  const mv = '/v2/models/:model/versions/:version';
  app.get('/v2/health/live', route(ctx, 0, live));
  app.get('/v2/health/ready', route(ctx, 0, ready));
  app.get('/v2', route(ctx, 0, serverMetadata));
  app.get('/v2/models/stats', route(ctx, 0, allStats));
  for (const base of [m, mv]) {
    const n = base === m ? 1 : 2;
    app.get(base, route(ctx, n, modelMetadata));
    app.get(`${base}/ready`, route(ctx, n, modelReady));
    app.get(`${base}/config`, route(ctx, n, modelConfig));
    app.get(`${base}/stats`, route(ctx, n, modelStats));
    app.post(`${base}/infer`, route(ctx, n, infer));
  }
  app.post('/v2/repository/index', route(ctx, 0, repositoryIndex));
  app.post('/v2/repository/models/:model/load', route(ctx, 1, loadModel));
  app.post('/v2/repository/models/:model/unload', route(ctx, 1, unloadModel));
  app.any('/*', route(ctx, 0, notFoundRoute));
}

export { LarchError };

// GRPCInferenceService handlers over a ModelRepositoryView. ModelInfer and ModelStreamInfer use the
// hand-written codec (infer-codec.ts); the other RPCs use message objects from proto-loader.
import * as grpc from '@grpc/grpc-js';
import type { ModelRepositoryView } from '../repository/types.js';
import { grpcStatusOf, invalidArgument, notFound, toLarchError, unsupported } from '../protocol/errors.js';
import type { SystemSharedMemory } from '../protocol/shared-memory.js';
import type { LogSettings, ServerLog } from '../server/logger.js';
import { runInference } from '../protocol/infer.js';
import { maxBatchSizeOf, modelStatsObject, tensorMetadata } from '../protocol/json-views.js';
import { parseLoadParameters } from '../protocol/repository-requests.js';
import { EXTENSIONS, SERVER_NAME, serverVersion } from '../protocol/server-info.js';
import { encodeModelInferResponse, encodeStreamResponse, toInferRequest, type DecodedInferMessage } from './infer-codec.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Unary = (call: grpc.ServerUnaryCall<Msg, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

export interface ServiceHooks {
  onStart(): void;
  onFinish(): void;
  onInternalError?(err: unknown, method: string): void;
}

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const e = toLarchError(err);
  return { code: grpcStatusOf(e), details: e.message };
}

const opt = (s: unknown) => (typeof s === 'string' && s !== '' ? s : undefined);

/** Wraps a (possibly async) handler: counts it in flight and maps errors to gRPC statuses. */
function unary(name: string, hooks: ServiceHooks, fn: (req: Msg) => unknown): Unary {
  return (call, cb) => {
    hooks.onStart();
    Promise.resolve()
      .then(() => fn(call.request))
      .then((res) => cb(null, res), (err) => {
        if (toLarchError(err).code === 'INTERNAL') hooks.onInternalError?.(err, name);
        cb(toServiceError(err) as grpc.ServiceError, null);
      })
      .finally(() => hooks.onFinish());
  };
}

/** Log settings as LogSettingsResponse's map of SettingValue oneofs. */
function logSettingsMessage(s: LogSettings): Record<string, Msg> {
  const out: Record<string, Msg> = {};
  for (const [k, v] of Object.entries(s)) {
    out[k] = typeof v === 'boolean' ? { bool_param: v } : typeof v === 'number' ? { uint32_param: v } : { string_param: v };
  }
  return out;
}

/** Triton's JSON model config -> the ModelConfig message object (proto-loader's fromObject form). */
function configMessage(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  // ModelConfig.parameters is map<string, ModelParameter> in both forms; nothing else differs in
  // the protobuf JSON mapping that proto-loader does not accept directly.
  return out;
}

export function createHandlers(repo: ModelRepositoryView, hooks: ServiceHooks, shm: SystemSharedMemory, serverLog: ServerLog): grpc.UntypedServiceImplementation {
  const inferOne = async (msg: DecodedInferMessage | Error) => {
    if (msg instanceof Error) throw msg;
    const model = repo.getModel(msg.modelName, opt(msg.modelVersion));
    return runInference(model, toInferRequest(model, msg, shm), true);
  };

  return {
    ServerLive: unary('ServerLive', hooks, () => ({ live: true })),
    ServerReady: unary('ServerReady', hooks, () => ({ ready: repo.ready })),
    // ready=false (status OK) for an unknown, unloaded or failed model, as every Triton release
    // answers it and tritonclient's is_model_ready() expects (it raises on an error status).
    ModelReady: unary('ModelReady', hooks, (r) => ({ ready: repo.isModelReady(r.name, opt(r.version)) })),
    ServerMetadata: unary('ServerMetadata', hooks, () => ({ name: SERVER_NAME, version: serverVersion(), extensions: EXTENSIONS })),
    ModelMetadata: unary('ModelMetadata', hooks, (r) => {
      const version = opt(r.version);
      const meta = repo.metadata(r.name, version);
      const mbs = maxBatchSizeOf(repo, r.name, version);
      return { name: meta.name, versions: meta.versions, platform: meta.platform, inputs: tensorMetadata(meta.inputs, mbs), outputs: tensorMetadata(meta.outputs, mbs) };
    }),
    ModelConfig: unary('ModelConfig', hooks, (r) => ({ config: configMessage(repo.config(r.name, opt(r.version))) })),
    ModelStatistics: unary('ModelStatistics', hooks, (r) => ({
      model_stats: repo.statistics(opt(r.name), opt(r.version)).map((s) => modelStatsObject(s.name, s.version, s.stats)),
    })),
    RepositoryIndex: unary('RepositoryIndex', hooks, async (r) => ({ models: await repo.index({ readyOnly: r.ready === true }) })),
    RepositoryModelLoad: unary('RepositoryModelLoad', hooks, async (r) => {
      if (!r.model_name) throw invalidArgument('model_name is required');
      serverLog.verbose(1, 'grpc', `load request for model "${r.model_name}"`);
      const params: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((r.parameters ?? {}) as Record<string, Msg>)) params[k] = v[v.parameter_choice as string];
      await repo.load(r.model_name, parseLoadParameters(params, false));
      return {};
    }),
    RepositoryModelUnload: unary('RepositoryModelUnload', hooks, async (r) => {
      if (!r.model_name) throw invalidArgument('model_name is required');
      serverLog.verbose(1, 'grpc', `unload request for model "${r.model_name}"`);
      const ud = (r.parameters as Record<string, Msg> | undefined)?.unload_dependents;
      await repo.unload(r.model_name, { unloadDependents: ud?.bool_param === true });
      return {};
    }),
    // Triton's logging extension: settings as {bool_param | uint32_param | string_param}.
    LogSettings: unary('LogSettings', hooks, (r) => {
      const changes: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((r.settings ?? {}) as Record<string, Msg>)) changes[k] = v[v.parameter_choice as string];
      return { settings: logSettingsMessage(serverLog.update(changes)) };
    }),
    SystemSharedMemoryStatus: unary('SystemSharedMemoryStatus', hooks, (r) => ({
      regions: Object.fromEntries(shm.status(opt(r.name)).map((s) => [s.name, s])),
    })),
    SystemSharedMemoryRegister: unary('SystemSharedMemoryRegister', hooks, (r) => {
      shm.register(r.name, r.key, Number(r.offset), Number(r.byte_size));
      return {};
    }),
    SystemSharedMemoryUnregister: unary('SystemSharedMemoryUnregister', hooks, (r) => {
      shm.unregister(opt(r.name));
      return {};
    }),
    // larch runs on the CPU: no CUDA region can be registered, so none exists.
    CudaSharedMemoryStatus: unary('CudaSharedMemoryStatus', hooks, (r) => {
      if (opt(r.name)) throw notFound(`no CUDA shared-memory region '${r.name}' is registered (larch serves on the CPU)`);
      return { regions: {} };
    }),
    CudaSharedMemoryRegister: unary('CudaSharedMemoryRegister', hooks, () => {
      throw unsupported('CUDA shared memory is not supported: larch runs models on the CPU; use system shared memory (--allow-client-shm=true)');
    }),
    CudaSharedMemoryUnregister: unary('CudaSharedMemoryUnregister', hooks, () => ({})),
    ModelInfer: ((call: grpc.ServerUnaryCall<DecodedInferMessage | Error, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      hooks.onStart();
      inferOne(call.request)
        .then((result) => cb(null, encodeModelInferResponse(result)), (err) => {
          if (toLarchError(err).code === 'INTERNAL') hooks.onInternalError?.(err, 'ModelInfer');
          cb(toServiceError(err) as grpc.ServiceError, null);
        })
        .finally(() => hooks.onFinish());
    }) as grpc.handleUnaryCall<DecodedInferMessage | Error, Buffer>,
    ModelStreamInfer: ((call: grpc.ServerDuplexStream<DecodedInferMessage | Error, Buffer>) => {
      // Responses are written as each request completes; errors travel in error_message and the
      // stream stays open, as in Triton.
      let pending = 0;
      let ended = false;
      hooks.onStart();
      const maybeEnd = () => { if (ended && pending === 0) { call.end(); hooks.onFinish(); } };
      call.on('data', (msg: DecodedInferMessage | Error) => {
        pending++;
        inferOne(msg).then((result) => call.write(encodeStreamResponse(result, '')), (err) => {
          call.write(encodeStreamResponse(null, toLarchError(err).message));
        }).finally(() => { pending--; maybeEnd(); });
      });
      call.on('end', () => { ended = true; maybeEnd(); });
      call.on('error', () => { ended = true; maybeEnd(); });
    }) as grpc.handleBidiStreamingCall<DecodedInferMessage | Error, Buffer>,
  };
}

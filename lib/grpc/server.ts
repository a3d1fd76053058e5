// The gRPC front end: GRPCInferenceService (package inference) on @grpc/grpc-js, loaded from
// schemas/kserve/*.proto. The inference methods get the hand-written codec in place of
// proto-loader's (de)serializers; everything else uses proto-loader's message objects.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ModelRepositoryView } from '../repository/types.js';
import { toLarchError } from '../protocol/errors.js';
import { SystemSharedMemory } from '../protocol/shared-memory.js';
import { ServerLog } from '../server/logger.js';
import { decodeModelInferRequest, type DecodedInferMessage } from './infer-codec.js';
import { createHandlers } from './service.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** schemas/kserve, from dist/lib/grpc or lib/grpc. */
export const PROTO_DIR = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../../schemas/kserve' : '../../schemas/kserve');

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR],
};

let cachedDefinition: grpc.ServiceDefinition | undefined;

/** The service definition with the fast codec for ModelInfer / ModelStreamInfer. */
export function inferenceServiceDefinition(): grpc.ServiceDefinition {
  if (cachedDefinition) return cachedDefinition;
  const pkg = protoLoader.loadSync('grpc_service.proto', LOADER_OPTIONS);
  const base = pkg['inference.GRPCInferenceService'] as grpc.ServiceDefinition;
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = { ...base };
  const fast = <T extends grpc.MethodDefinition<unknown, unknown>>(m: T) => ({
    ...m,
    // A malformed message becomes an Error value; the handler answers it with INVALID_ARGUMENT
    // (for streams, in error_message) instead of grpc-js failing the whole call as INTERNAL.
    requestDeserialize: (buf: Buffer): DecodedInferMessage | Error => {
      try { return decodeModelInferRequest(buf); } catch (err) { return toLarchError(err); }
    },
    responseSerialize: (b: Buffer) => b,
  });
  def.ModelInfer = fast(base.ModelInfer!);
  def.ModelStreamInfer = fast(base.ModelStreamInfer!);
  cachedDefinition = def as grpc.ServiceDefinition;
  return cachedDefinition;
}

export interface GrpcFrontEndOptions {
  repository: ModelRepositoryView;
  port: number;
  host?: string;
  /** Largest accepted message (bytes); default 64 MiB like the HTTP body limit. */
  maxMessageSize?: number;
  onInternalError?: (err: unknown, method: string) => void;
  /** The registered system shared-memory regions (default: none, registration refused). */
  sharedMemory?: SystemSharedMemory;
  /** The server's log, whose settings the LogSettings RPC reads and changes (default: stderr). */
  serverLog?: ServerLog;
}

export class GrpcFrontEnd {
  #server: grpc.Server;
  #inFlight = 0;
  #port = 0;
  readonly #options: GrpcFrontEndOptions;

  constructor(options: GrpcFrontEndOptions) {
    this.#options = options;
    const max = options.maxMessageSize ?? 64 * 1024 * 1024;
    this.#server = new grpc.Server({
      'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': max,
      // channelz (grpc-js's introspection service, which larch does not serve) costs about 5% of
      // every call's CPU in its bookkeeping.
      'grpc.enable_channelz': 0,
    });
    this.#server.addService(inferenceServiceDefinition(), createHandlers(options.repository, {
      onStart: () => { this.#inFlight++; },
      onFinish: () => { this.#inFlight--; },
      onInternalError: options.onInternalError,
    }, options.sharedMemory ?? new SystemSharedMemory(false), options.serverLog ?? new ServerLog()));
  }

  get port(): number { return this.#port; }

  listen(): Promise<number> {
    const host = this.#options.host ?? '0.0.0.0';
    return new Promise((resolve, reject) => {
      this.#server.bindAsync(`${host}:${this.#options.port}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) { reject(new Error(`gRPC front end could not listen on ${host}:${this.#options.port}: ${err.message}`)); return; }
        this.#port = port;
        resolve(port);
      });
    });
  }

  get inFlight(): number { return this.#inFlight; }

  /**
   * Stops accepting calls and lets calls in flight finish; after `graceMs` (open streams that
   * never end) the rest are cancelled.
   */
  async stop(graceMs = 30_000): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.#server.forceShutdown(); resolve(); }, graceMs);
      timer.unref();
      this.#server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
  }
}

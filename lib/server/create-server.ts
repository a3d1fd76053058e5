// createServer(): the model repository plus the HTTP, gRPC and metrics front ends, started
// together and stopped gracefully (stop accepting, finish in-flight requests, close).
import os from 'node:os';
import { GrpcFrontEnd } from '../grpc/server.js';
import { DEFAULT_MAX_INPUT_SIZE, HttpFrontEnd } from '../http/server.js';
import { LarchError } from '../protocol/errors.js';
import { SystemSharedMemory } from '../protocol/shared-memory.js';
import { ServerLog, type LogFormat } from './logger.js';
import type { ModelRepositoryView } from '../repository/types.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { metricsRenderer, openRepository, type ModelControlMode } from './wiring.js';

export interface ServerOptions {
  /** --model-repository: the Triton model repository folder. Either this or `repository`. */
  modelRepository?: string;
  /** An already-open repository (embedding, tests). The server does not close it. */
  repository?: ModelRepositoryView;
  /** --model-control-mode (default none). */
  modelControlMode?: ModelControlMode;
  /** --load-model names for explicit mode ("*" = all). */
  loadModels?: string[];
  /** --repository-poll-secs (poll mode, default 15). */
  repositoryPollSecs?: number;
  /** --strict-model-config (default false: configs are auto-completed). */
  strictModelConfig?: boolean;
  /** --strict-readiness (default true, as Triton): ready only while every model tried is ready. */
  strictReadiness?: boolean;
  /** Ports; 0 picks an ephemeral port (see LarchServer.*Port). Defaults 8000 / 8001 / 8002. */
  httpPort?: number;
  grpcPort?: number;
  metricsPort?: number;
  /** Listen addresses (default 0.0.0.0). */
  httpAddress?: string;
  grpcAddress?: string;
  metricsAddress?: string;
  allowHttp?: boolean;
  allowGrpc?: boolean;
  allowMetrics?: boolean;
  /** --http-thread-count (default: the machine's cores): HTTP threads sharing the port. */
  httpThreadCount?: number;
  /** --http-max-input-size in bytes (default 64 MiB); also the gRPC message limit. */
  httpMaxInputSize?: number;
  /** --allow-client-shm (default false, as in Triton): let clients register system shared-memory regions. */
  allowClientShm?: boolean;
  /** --exit-on-error (default true): fail start-up if any model failed to load. */
  exitOnError?: boolean;
  /** --log-verbose level (0 = off). */
  logVerbose?: number;
  /** --log-info / --log-warning / --log-error (default true): write messages of that severity. */
  logInfo?: boolean;
  logWarning?: boolean;
  logError?: boolean;
  /** --log-format: "default" or "ISO8601" (Triton's two line formats). */
  logFormat?: LogFormat;
  /** --log-file: append log lines to this file instead of the sink. */
  logFile?: string;
  /** Where log lines go without a log file (default: stderr). */
  log?: (message: string) => void;
}

export interface LarchServer {
  readonly repository: ModelRepositoryView;
  /** Bound ports (0 when that front end is disabled). */
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** Stops accepting, lets requests in flight finish (up to `timeoutMs`), closes everything. */
  close(timeoutMs?: number): Promise<void>;
}

function checkPort(name: string, v: number | undefined, dflt: number): number {
  const p = v ?? dflt;
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new LarchError('INVALID_ARGUMENT', `${name} must be an integer in 0..65535, got ${v}`);
  return p;
}

export async function createServer(options: ServerOptions): Promise<LarchServer> {
  const serverLog = new ServerLog({
    log_verbose_level: options.logVerbose ?? 0, log_info: options.logInfo ?? true, log_warning: options.logWarning ?? true,
    log_error: options.logError ?? true, log_format: options.logFormat ?? 'default', log_file: options.logFile ?? '',
  }, options.log);
  const httpPort = checkPort('httpPort', options.httpPort, 8000);
  const grpcPort = checkPort('grpcPort', options.grpcPort, 8001);
  const metricsPort = checkPort('metricsPort', options.metricsPort, 8002);
  const maxInput = options.httpMaxInputSize ?? DEFAULT_MAX_INPUT_SIZE;
  if (!Number.isInteger(maxInput) || maxInput <= 0) throw new LarchError('INVALID_ARGUMENT', `httpMaxInputSize must be a positive integer, got ${maxInput}`);
  const threads = options.httpThreadCount ?? os.availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new LarchError('INVALID_ARGUMENT', `httpThreadCount must be a positive integer, got ${threads}`);
  if (!options.repository && !options.modelRepository) throw new LarchError('INVALID_ARGUMENT', 'createServer needs modelRepository (a folder) or repository');

  const ownsRepository = !options.repository;
  let repository: ModelRepositoryView;
  try {
    repository = options.repository ?? await openRepository({
      root: options.modelRepository!,
      controlMode: options.modelControlMode ?? 'none',
      pollSeconds: options.repositoryPollSecs ?? 15,
      loadModels: options.loadModels ?? [],
      log: (m, level) => serverLog.log(level, 'repository', m),
      strictModelConfig: options.strictModelConfig ?? false,
      strictReadiness: options.strictReadiness ?? true,
    });
  } catch (err) {
    serverLog.close();
    throw err;
  }

  const started: Array<{ stop(timeoutMs: number): Promise<void> }> = [];
  // One set of shared-memory regions for both front ends: a region registered over gRPC can be
  // named in an HTTP request, as in Triton.
  const sharedMemory = new SystemSharedMemory(options.allowClientShm ?? false, { maxInputBytes: maxInput });
  const closeAll = async (timeoutMs: number) => {
    await Promise.all(started.map((s) => s.stop(timeoutMs)));
    sharedMemory.close();
    serverLog.close();
    if (ownsRepository) await repository.close();
  };

  try {
    if (options.exitOnError ?? true) {
      // The models start-up tried to load: all of them, or in explicit mode the --load-model ones
      // (the others are listed UNAVAILABLE "not loaded", which is no error).
      const wanted = options.loadModels ?? [];
      const attempted = (name: string) => options.modelControlMode !== 'explicit' || wanted.includes('*') || wanted.includes(name);
      const failed = (await repository.index()).filter((e) => e.state === 'UNAVAILABLE' && e.reason && attempted(e.name));
      if (failed.length) {
        throw new LarchError('UNAVAILABLE', `model(s) failed to load (--exit-on-error=true): ${failed.map((e) => `${e.name}: ${e.reason}`).join('; ')}`);
      }
    }
    const internalError = (where: string) => (err: unknown) => serverLog.log('error', where, `internal error: ${(err as Error)?.stack ?? String(err)}`);
    let boundHttp = 0, boundGrpc = 0, boundMetrics = 0;
    if (options.allowHttp ?? true) {
      serverLog.verbose(1, 'http', `${threads} HTTP thread(s) on one port`);
      const http = new HttpFrontEnd({ repository, port: httpPort, host: options.httpAddress ?? '0.0.0.0', maxInputSize: maxInput, threads, onInternalError: internalError('http'), sharedMemory, serverLog });
      boundHttp = await http.listen();
      started.push({ stop: (t) => http.stop(t) });
    }
    if (options.allowGrpc ?? true) {
      const grpc = new GrpcFrontEnd({ repository, port: grpcPort, host: options.grpcAddress ?? '0.0.0.0', maxMessageSize: maxInput, onInternalError: internalError('grpc'), sharedMemory, serverLog });
      boundGrpc = await grpc.listen();
      started.push({ stop: (t) => grpc.stop(t) });
    }
    if (options.allowMetrics ?? true) {
      const metrics = new MetricsEndpoint(metricsRenderer(repository), options.metricsAddress ?? '0.0.0.0', metricsPort);
      boundMetrics = await metrics.listen();
      started.push({ stop: async () => metrics.stop() });
    }
    let closing: Promise<void> | undefined;
    return {
      repository,
      httpPort: boundHttp,
      grpcPort: boundGrpc,
      metricsPort: boundMetrics,
      close: (timeoutMs = 30_000) => (closing ??= closeAll(timeoutMs)),
    };
  } catch (err) {
    await closeAll(1000).catch(() => undefined);
    throw err;
  }
}

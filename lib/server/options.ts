// `larch serve` options: Triton's names and defaults. One table drives parsing and --help.
// Accepted forms: --name=value, --name value; booleans also as bare --name (true).
import os from 'node:os';
import { LarchError } from '../protocol/errors.js';
import type { ServerOptions } from './create-server.js';

type Kind = 'string' | 'int' | 'bool' | 'list' | 'mode';

interface OptionSpec {
  name: string;
  kind: Kind;
  key: keyof ServerOptions;
  help: string;
  dflt: string;
}

const cores = os.availableParallelism();

export const OPTIONS: OptionSpec[] = [
  { name: 'model-repository', kind: 'string', key: 'modelRepository', dflt: '(required)', help: 'Triton model repository folder: DIR/<model>/config.pbtxt and DIR/<model>/<version>/<file>.' },
  { name: 'model-control-mode', kind: 'mode', key: 'modelControlMode', dflt: 'none', help: 'none: load every model at start; poll: also rescan every --repository-poll-secs; explicit: load only --load-model models and the load/unload API.' },
  { name: 'load-model', kind: 'list', key: 'loadModels', dflt: '(none)', help: 'Model to load at start in explicit mode; repeatable; "*" loads every model.' },
  { name: 'repository-poll-secs', kind: 'int', key: 'repositoryPollSecs', dflt: '15', help: 'Seconds between repository scans in poll mode.' },
  { name: 'strict-model-config', kind: 'bool', key: 'strictModelConfig', dflt: 'false', help: 'Require complete config.pbtxt files; false completes missing parts from the model.' },
  { name: 'strict-readiness', kind: 'bool', key: 'strictReadiness', dflt: 'true', help: 'Report the server ready (GET /v2/health/ready, ServerReady) only while every model it tried to load is ready, as Triton; false: ready once start-up is done, whatever the models.' },
  { name: 'http-port', kind: 'int', key: 'httpPort', dflt: '8000', help: 'HTTP port (0: pick a free port; the bound ports are printed).' },
  { name: 'grpc-port', kind: 'int', key: 'grpcPort', dflt: '8001', help: 'gRPC port (0: pick a free port).' },
  { name: 'metrics-port', kind: 'int', key: 'metricsPort', dflt: '8002', help: 'Prometheus metrics port, GET /metrics (0: pick a free port).' },
  { name: 'http-address', kind: 'string', key: 'httpAddress', dflt: '0.0.0.0', help: 'Address the HTTP server binds.' },
  { name: 'grpc-address', kind: 'string', key: 'grpcAddress', dflt: '0.0.0.0', help: 'Address the gRPC server binds.' },
  { name: 'metrics-address', kind: 'string', key: 'metricsAddress', dflt: '0.0.0.0', help: 'Address the metrics server binds.' },
  { name: 'allow-http', kind: 'bool', key: 'allowHttp', dflt: 'true', help: 'Serve HTTP.' },
  { name: 'allow-grpc', kind: 'bool', key: 'allowGrpc', dflt: 'true', help: 'Serve gRPC.' },
  { name: 'allow-metrics', kind: 'bool', key: 'allowMetrics', dflt: 'true', help: 'Serve Prometheus metrics.' },
  { name: 'http-thread-count', kind: 'int', key: 'httpThreadCount', dflt: `${cores} (cores)`, help: 'HTTP front-end threads.' },
  { name: 'http-max-input-size', kind: 'int', key: 'httpMaxInputSize', dflt: '67108864', help: 'Largest request body in bytes, after decompression (larger: 400, as Triton); also the gRPC message limit.' },
  { name: 'allow-client-shm', kind: 'bool', key: 'allowClientShm', dflt: 'false', help: 'Let clients register system shared-memory regions and pass tensors through them (Triton\'s shared-memory extension; off by default, as in Triton). CUDA shared memory is refused: larch runs on the CPU.' },
  { name: 'exit-on-error', kind: 'bool', key: 'exitOnError', dflt: 'true', help: 'Exit at start-up if any model fails to load.' },
  { name: 'exit-timeout-secs', kind: 'int', key: 'exitTimeoutSecs' as keyof ServerOptions, dflt: '30', help: 'On SIGTERM/SIGINT, how long to wait for requests in flight before closing.' },
  { name: 'log-verbose', kind: 'int', key: 'logVerbose', dflt: '0', help: 'Verbose logging level (0 = off; 1 adds load/unload requests and the HTTP thread count).' },
  { name: 'log-info', kind: 'bool', key: 'logInfo', dflt: 'true', help: 'Write INFO messages (model loads, reloads, unloads).' },
  { name: 'log-warning', kind: 'bool', key: 'logWarning', dflt: 'true', help: 'Write WARNING messages.' },
  { name: 'log-error', kind: 'bool', key: 'logError', dflt: 'true', help: 'Write ERROR messages (load failures, internal errors).' },
  { name: 'log-format', kind: 'string', key: 'logFormat', dflt: 'default', help: 'Log line format: default ("I1207 09:55:00.123456 <pid> <where>] ...") or ISO8601 ("2026-12-07T09:55:00Z I <pid> <where>] ...").' },
  { name: 'log-file', kind: 'string', key: 'logFile', dflt: '(stderr)', help: 'Append log lines to this file instead of stderr.' },
];

export interface ParsedArgs {
  options: ServerOptions;
  exitTimeoutSecs: number;
  help: boolean;
}

function bad(msg: string): never {
  throw new LarchError('INVALID_ARGUMENT', msg);
}

function convert(spec: OptionSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) bad(`--${spec.name} expects an integer, got "${raw}"`);
      return Number(raw);
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      return bad(`--${spec.name} expects true or false, got "${raw}"`);
    }
    case 'mode':
      if (!['none', 'poll', 'explicit'].includes(raw)) bad(`--${spec.name} expects none, poll or explicit, got "${raw}"`);
      return raw;
    default:
      return raw;
  }
}

export function parseServeArgs(argv: string[]): ParsedArgs {
  const options: ServerOptions = {};
  const bag = options as Record<string, unknown>;
  let exitTimeoutSecs = 30;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') { help = true; continue; }
    if (!arg.startsWith('--')) bad(`unexpected argument "${arg}" (options start with --; see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = OPTIONS.find((o) => o.name === name);
    if (!spec) bad(`unknown option --${name} (see --help)`);
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (spec.kind === 'bool' && (i + 1 >= argv.length || argv[i + 1]!.startsWith('--'))) raw = 'true';
    else if (i + 1 < argv.length) raw = argv[++i]!;
    else bad(`--${name} needs a value`);
    const value = convert(spec, raw);
    if (spec.name === 'exit-timeout-secs') { exitTimeoutSecs = value as number; continue; }
    if (spec.kind === 'list') ((bag[spec.key] ??= []) as string[]).push(value as string);
    else bag[spec.key] = value;
  }
  if (!help && !options.modelRepository) bad('--model-repository is required (see --help)');
  return { options, exitTimeoutSecs, help };
}

export function serveHelp(): string {
  const lines = [
    'Usage: larch serve --model-repository DIR [options]',
    '',
    'Serves a Triton model repository over KServe v2: HTTP (uWebSockets.js), gRPC',
    '(inference.GRPCInferenceService) and Prometheus metrics. Options take --name=value or',
    '--name value; boolean options also accept a bare --name.',
    '',
    'Options:',
  ];
  for (const o of OPTIONS) {
    const arg = o.kind === 'bool' ? '<bool>' : o.kind === 'int' ? '<int>' : o.kind === 'mode' ? '<none|poll|explicit>' : '<string>';
    lines.push(`  --${o.name} ${arg}`);
    lines.push(`      ${o.help} Default: ${o.dflt}.`);
  }
  lines.push('  --help', '      Show this help.');
  lines.push('', 'SIGTERM / SIGINT: stop accepting, finish the requests in flight, exit 0.');
  return lines.join('\n');
}

// `larch serve`: starts the server with Triton's options, prints the bound ports, and shuts down
// gracefully on SIGTERM / SIGINT (stop accepting, finish requests in flight, exit 0).
import { toLarchError } from '../protocol/errors.js';
import { createServer } from './create-server.js';
import { parseServeArgs, serveHelp } from './options.js';

export const summary = 'Serve a Triton model repository over KServe v2 (HTTP, gRPC) with Prometheus metrics';

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseServeArgs(argv);
  } catch (err) {
    console.error(`larch serve: ${toLarchError(err).message}`);
    return 2;
  }
  if (parsed.help) { console.log(serveHelp()); return 0; }

  let server;
  try {
    server = await createServer(parsed.options);
  } catch (err) {
    console.error(`larch serve: ${toLarchError(err).message}`);
    return 1;
  }
  const o = parsed.options;
  if (server.httpPort) console.log(`Started HTTPService at ${o.httpAddress ?? '0.0.0.0'}:${server.httpPort}`);
  if (server.grpcPort) console.log(`Started GRPCInferenceService at ${o.grpcAddress ?? '0.0.0.0'}:${server.grpcPort}`);
  if (server.metricsPort) console.log(`Started Metrics Service at ${o.metricsAddress ?? '0.0.0.0'}:${server.metricsPort}`);

  const s = server;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`larch serve: ${signal} received, finishing requests in flight`);
      const done = (code: number) => {
        // Everything is closed; a handle someone forgot must not keep the process alive.
        setTimeout(() => process.exit(code), 2000).unref();
        resolve(code);
      };
      s.close(parsed.exitTimeoutSecs * 1000).then(() => done(0), (err) => {
        console.error(`larch serve: error while stopping: ${toLarchError(err).message}`);
        done(1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

// `larch quickstart`: the whole promise of larch in one command. Trains the fraud models in a
// flow (examples/fraud), deploys the best to ./model-repository with its lineage, serves it over
// HTTP and gRPC, sends a few requests both ways, and prints each prediction with the run that
// produced the model and the command that traces it back.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { root } from '../native.js';
import { rowMajor } from '../train/data.js';
import { createServer, type LarchServer } from '../server/create-server.js';
import { Run, runFlow, type RunEvent } from '../flow/index.js';
import { grpcInfer } from './grpc-demo-client.js';

export const summary = 'train, deploy and serve the fraud example end to end (start here)';

const HELP = `Usage: larch quickstart [options]

Runs examples/fraud (a flow that trains a grid of gradient-boosted and random forests on
synthetic fraud data in parallel and deploys the best by validation AUC), starts
\`larch serve\` on the resulting ./model-repository, sends predictions over HTTP and gRPC,
prints them with the run id that produced the model, and keeps serving until Ctrl-C.

Options:
  --exit               stop after the demo instead of serving until Ctrl-C
  --dir DIR            where model-repository/ and the flow datastore .larch/ go (default: .)
  --rows N             transactions in the synthetic data (default 20000)
  --max-workers N      parallel training tasks (default: the machine's cores)
  --http-port N        HTTP port (default 8000; 0 = any free port)
  --grpc-port N        gRPC port (default 8001; 0 = any free port)
  --metrics-port N     metrics port (default 8002; 0 = any free port)
  -h, --help           this help`;

const MODEL = 'fraud';

function port(text: string | undefined, dflt: number, name: string): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number (0-65535), got "${text}"`);
  return n;
}

function progressPrinter(): (e: RunEvent) => void {
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7);
  return (e) => {
    if (e.type === 'run-start') console.log(`  run ${e.flow}/${e.runId}: steps ${e.steps.join(' -> ')}`);
    else if (e.type === 'task-done') console.log(`  ${elapsed()}  ${e.step}/${e.taskId} done`);
    else if (e.type === 'task-retry') console.log(`  ${elapsed()}  ${e.step}/${e.taskId} retrying (attempt ${e.attempt}): ${e.error}`);
    else if (e.type === 'task-failed') console.log(`  ${elapsed()}  ${e.step}/${e.taskId} FAILED: ${e.error}`);
  };
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        exit: { type: 'boolean' }, dir: { type: 'string' }, rows: { type: 'string' }, 'max-workers': { type: 'string' },
        'http-port': { type: 'string' }, 'grpc-port': { type: 'string' }, 'metrics-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`larch quickstart: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) { console.log(HELP); return 0; }
  let server: LarchServer | undefined;
  try {
    const dir = path.resolve(values.dir ?? '.');
    const repository = path.join(dir, 'model-repository');
    const datastore = path.join(dir, '.larch');
    const flowFile = path.join(root, 'examples', 'fraud', 'flow.ts');
    if (!existsSync(flowFile)) throw new Error(`${flowFile} is missing: is larch installed completely?`);
    const params: Record<string, string> = { repository, modelName: MODEL };
    if (values.rows !== undefined) params.rows = values.rows;

    console.log(`1/4  Training: ${path.relative(process.cwd(), flowFile) || flowFile} (datastore ${datastore})`);
    const result = await runFlow(flowFile, {
      params, datastore, onEvent: progressPrinter(),
      ...(values['max-workers'] !== undefined ? { maxWorkers: Number(values['max-workers']) } : {}),
    });
    if (result.status !== 'succeeded') throw new Error(`the flow failed: ${result.error ?? 'see larch flow logs'}; inspect with: npx larch flow logs ${result.pathspec}/<step>`);
    const run = Run(result.pathspec, { datastore });
    process.stdout.write(run.step('eval').task.stdout);
    const deployed = run.step('deploy').task.data.deployment as { name: string; version: number };
    console.log(`\n2/4  Deployed ${deployed.name} version ${deployed.version} to ${repository}`);

    server = await createServer({
      modelRepository: repository, modelControlMode: 'poll', repositoryPollSecs: 2,
      httpPort: port(values['http-port'], 8000, 'http-port'), grpcPort: port(values['grpc-port'], 8001, 'grpc-port'),
      metricsPort: port(values['metrics-port'], 8002, 'metrics-port'),
    });
    console.log(`3/4  Serving: HTTP http://localhost:${server.httpPort}  gRPC localhost:${server.grpcPort}  metrics http://localhost:${server.metricsPort}/metrics`);

    // A few validation rows (the flow stored them column-major) as the client would send them.
    const data = run.step('deploy').task.data;
    const numValid = data.numValid as number, numFeature = data.numFeature as number;
    const rows = rowMajor({ x: data.validX as Float32Array, numRows: numValid, numFeatures: numFeature });
    // JSON cannot carry NaN (missing values), so the demo picks complete rows; the binary
    // tensor extension and gRPC carry NaN as it is.
    const picked: number[] = [];
    const allY = data.validY as Float32Array;
    const complete = (r: number) => !rows.subarray(r * numFeature, (r + 1) * numFeature).some(Number.isNaN);
    for (const wanted of [1, 0, 0, 0]) {   // one fraud and three legitimate transactions
      for (let r = 0; r < numValid; r++) {
        if (allY[r] === wanted && complete(r) && !picked.includes(r)) { picked.push(r); break; }
      }
    }
    const n = picked.length;
    const sample = new Float32Array(n * numFeature);
    picked.forEach((r, i) => sample.set(rows.subarray(r * numFeature, (r + 1) * numFeature), i * numFeature));
    const batch = Array.from(sample);
    const validY = picked.map((r) => allY[r]);

    console.log('4/4  Predictions');
    const httpRes = await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/${MODEL}/infer`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'quickstart-http', inputs: [{ name: 'input__0', shape: [n, numFeature], datatype: 'FP32', data: batch }] }),
    });
    const http = await httpRes.json() as { outputs?: Array<{ data: number[] }>; parameters?: Record<string, unknown>; error?: string };
    if (!httpRes.ok || !http.outputs) throw new Error(`HTTP inference failed: ${http.error ?? httpRes.status}`);
    const probs = http.outputs[0]!.data;
    const width = probs.length / n;
    console.log(`  HTTP  POST /v2/models/${MODEL}/infer   (run ${String(http.parameters?.larch_flow ?? '?')}/${String(http.parameters?.larch_run ?? '?')}, model version ${String(http.parameters?.larch_model_version ?? deployed.version)})`);
    for (let i = 0; i < n; i++) {
      console.log(`    transaction ${picked[i]}: fraud probability ${probs[i * width + width - 1]!.toFixed(4)}   (${validY[i] === 1 ? 'fraud' : 'legitimate'})`);
    }
    const grpc = await grpcInfer(server.grpcPort, MODEL, sample, n, numFeature);
    console.log(`  gRPC  ModelInfer ${MODEL}                 (run ${grpc.parameters.larch_flow ?? '?'}/${grpc.parameters.larch_run ?? '?'})`);
    for (let i = 0; i < n; i++) console.log(`    transaction ${picked[i]}: fraud probability ${grpc.values[i * width + width - 1]!.toFixed(4)}`);
    console.log(`\nTrace these predictions back to the run and its training data:\n  npx larch lineage ${MODEL}:${deployed.version} --model-repository ${path.relative(process.cwd(), repository) || repository}`);

    if (values.exit) {
      await server.close();
      return 0;
    }
    console.log(`\nServing until Ctrl-C. Try:\n  curl -s localhost:${server.httpPort}/v2/models/${MODEL}\n  curl -s localhost:${server.metricsPort}/metrics | grep nv_inference_count`);
    const s = server;
    await new Promise<void>((resolve) => {
      const stop = () => { void s.close().then(resolve); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } catch (err) {
    console.error(`larch quickstart: ${(err as Error).message}`);
    await server?.close().catch(() => undefined);
    return 1;
  }
}

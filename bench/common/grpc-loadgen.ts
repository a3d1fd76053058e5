// A closed-loop gRPC load generator (ModelInfer with raw_input_contents), run as its own process:
//   node dist/bench/common/grpc-loadgen.js PORT MODEL ROWS_F32_FILE BATCH FEATURES CONCURRENCY SECONDS WARMUP OUT
// Prints the same JSON summary as bench/loadgen/loadgen.c and writes latencies (float64 µs).
// It is a generated-style client (proto-loader), as a Triton user's client would be.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { readFileSync, writeFileSync } from 'node:fs';
import { PROTO_DIR } from '../../lib/grpc/server.js';
import { summarize } from './stats.js';

type Msg = Record<string, unknown>;

async function main(): Promise<void> {
  const [port, model, rowsFile, batchS, featuresS, concS, secsS, warmS, out] = process.argv.slice(2);
  const batch = Number(batchS), features = Number(featuresS), conc = Number(concS);
  const secs = Number(secsS), warm = Number(warmS);
  const pkg = protoLoader.loadSync('grpc_service.proto', { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR] });
  const def = grpc.loadPackageDefinition(pkg) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  const client = new def.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, Function> & grpc.Client;
  const rows = readFileSync(rowsFile!);
  const raw = rows.subarray(0, batch * features * 4);
  const request: Msg = {
    model_name: model,
    inputs: [{ name: 'input__0', datatype: 'FP32', shape: [batch, features] }],
    outputs: [{ name: 'output__0' }],
    raw_input_contents: [raw],
  };
  const infer = () => new Promise<void>((resolve, reject) => {
    client.ModelInfer!.call(client, request, (err: grpc.ServiceError | null) => (err ? reject(err) : resolve()));
  });
  await infer();
  const lat: number[] = [];
  const t0 = performance.now();
  const tWarm = t0 + warm * 1000, tEnd = tWarm + secs * 1000;
  let errors = 0;
  async function loop(): Promise<void> {
    while (performance.now() < tEnd) {
      const s = performance.now();
      try { await infer(); } catch { errors++; }
      if (s >= tWarm) lat.push((performance.now() - s) * 1000);
    }
  }
  await Promise.all(Array.from({ length: conc }, loop));
  client.close();
  const values = Float64Array.from(lat);
  writeFileSync(out!, Buffer.from(values.buffer));
  console.log(JSON.stringify({ ...summarize(values, secs), errors, non200: errors }));
}

main().catch((err) => { console.error(err); process.exit(1); });

// The quickstart's gRPC call: one ModelInfer through a generated-style client (proto-loader over
// larch's KServe schema), as any Triton gRPC client would make it.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { PROTO_DIR } from '../grpc/server.js';

interface InferResponse {
  raw_output_contents: Buffer[];
  parameters: Record<string, { parameter_choice?: string } & Record<string, unknown>>;
}

export async function grpcInfer(port: number, model: string, rows: Float32Array, n: number, features: number): Promise<{ values: Float32Array; parameters: Record<string, string> }> {
  const pkg = protoLoader.loadSync('grpc_service.proto', { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR] });
  const def = grpc.loadPackageDefinition(pkg) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  const client = new def.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, Function> & grpc.Client;
  try {
    const res = await new Promise<InferResponse>((resolve, reject) => {
      client.ModelInfer!.call(client, {
        model_name: model, id: 'quickstart-grpc',
        inputs: [{ name: 'input__0', datatype: 'FP32', shape: [n, features] }],
        raw_input_contents: [Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength)],
      }, (err: grpc.ServiceError | null, r: InferResponse) => (err ? reject(new Error(`gRPC ModelInfer failed: ${err.details || err.message}`)) : resolve(r)));
    });
    const raw = res.raw_output_contents[0];
    if (!raw) throw new Error('gRPC ModelInfer returned no output');
    const copy = Buffer.from(raw);
    const parameters: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.parameters ?? {})) parameters[k] = v.parameter_choice ? String(v[v.parameter_choice]) : '';
    return { values: new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4), parameters };
  } finally {
    client.close();
  }
}

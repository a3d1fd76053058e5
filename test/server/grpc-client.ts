// A plain generated-style gRPC client for tests: proto-loader's generic (de)serializers over
// schemas/kserve, i.e. what any protobuf implementation would send and expect.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_DIR } from '../../lib/grpc/server.js';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface InferenceClient {
  call(method: string, req: Msg): Promise<Msg>;
  stream(): grpc.ClientDuplexStream<Msg, Msg>;
  close(): void;
}

export function grpcClient(port: number): InferenceClient {
  const pkg = protoLoader.loadSync('grpc_service.proto', {
    keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO_DIR],
  });
  const def = grpc.loadPackageDefinition(pkg) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  const client = new def.inference.GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, Function> & grpc.Client;
  return {
    call: (method, req) => new Promise((resolve, reject) => {
      client[method]!.call(client, req, (err: grpc.ServiceError | null, res: Msg) => (err ? reject(err) : resolve(res)));
    }),
    stream: () => (client.ModelStreamInfer as Function).call(client) as grpc.ClientDuplexStream<Msg, Msg>,
    close: () => client.close(),
  };
}

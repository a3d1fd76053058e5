// The real server for end-to-end suites: createServer over a repository folder on ephemeral
// loopback ports, with a gRPC client, and the matching teardown.
import { rmSync } from 'node:fs';
import { createServer, type LarchServer, type ServerOptions } from '../../lib/index.js';
import { LOCAL_QUIET } from './fixture-repo.js';
import { grpcClient, type InferenceClient } from './grpc-client.js';

export interface Serving {
  server: LarchServer;
  /** http://127.0.0.1:<port> */
  base: string;
  grpc: InferenceClient;
}

export async function startServing(root: string, options: Partial<ServerOptions> = {}): Promise<Serving> {
  const server = await createServer({ ...LOCAL_QUIET, modelRepository: root, ...options });
  return { server, base: `http://127.0.0.1:${server.httpPort}`, grpc: grpcClient(server.grpcPort) };
}

/** Closes what startServing opened (either may be missing when start-up failed) and removes `root`. */
export async function stopServing(serving: Partial<Serving>, root: string): Promise<void> {
  serving.grpc?.close();
  await serving.server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
}

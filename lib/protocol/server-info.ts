// What the server reports about itself (server metadata) and the KServe/Triton extensions the
// front ends implement.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_NAME = 'larch';

export const EXTENSIONS = [
  'classification',
  'model_repository',
  'model_repository(unload_dependents)',
  'schedule_policy',
  'model_configuration',
  'binary_tensor_data',
  'parameters',
  'statistics',
  'system_shared_memory',
  'logging',
];

let cachedVersion: string | undefined;

export function serverVersion(): string {
  if (cachedVersion === undefined) {
    // dist/lib/protocol/server-info.js -> package.json three levels up.
    const here = path.dirname(fileURLToPath(import.meta.url));
    const pkg = JSON.parse(readFileSync(path.join(here, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

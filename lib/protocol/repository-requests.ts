// Parameters of Triton's model load request (HTTP JSON and gRPC): "config" is a JSON model config
// that overrides config.pbtxt; "file:<version>/<name>" entries carry model files (base64 in JSON,
// raw bytes in gRPC).
import type { LoadRequest } from '../repository/types.js';
import { invalidArgument } from './errors.js';

export function parseLoadParameters(params: unknown, filesAreBase64 = true): LoadRequest {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalidArgument('load request "parameters" must be an object');
  const req: LoadRequest = {};
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    if (key === 'config') {
      if (typeof value !== 'string') throw invalidArgument('load parameter "config" must be a string holding the JSON model config');
      try { JSON.parse(value); } catch (err) { throw invalidArgument(`load parameter "config" is not valid JSON: ${(err as Error).message}`); }
      req.config = value;
    } else if (key.startsWith('file:')) {
      let bytes: Buffer;
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) bytes = Buffer.from(value as Uint8Array);
      else if (typeof value === 'string' && filesAreBase64) bytes = Buffer.from(value, 'base64');
      else throw invalidArgument(`load parameter "${key}" must hold the file's bytes${filesAreBase64 ? ' (base64)' : ''}`);
      (req.files ??= {})[key] = bytes;
    }
    // Other parameters (e.g. Triton's override flags) are accepted and ignored.
  }
  return req;
}

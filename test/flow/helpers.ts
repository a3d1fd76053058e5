// Shared helpers of the flow tests: flow files are the TypeScript/JavaScript sources under
// test/flow/flows (run directly, as a user's would be), each test file gets its own datastore.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (tests run from dist/test/flow). */
export const repoRoot = path.resolve(here, '..', '..', '..');
export const flowsDir = path.join(repoRoot, 'test', 'flow', 'flows');
export const graphsDir = path.join(repoRoot, 'test', 'flow', 'graphs');
export const flowFile = (name: string) => path.join(flowsDir, name);

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `larch-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The blob name (lib/flow/datastore/blob-name.ts, version 1) computed with node:crypto straight
 * from its definition: the reference the native implementation is tested against.
 */
export function referenceBlobName(chunks: readonly Uint8Array[]): string {
  const bytes = Buffer.concat(chunks);
  const kChunk = 1 << 20;
  const header = Buffer.alloc(14 + 8);
  header.write('larch-blob-v1\0', 'latin1');
  header.writeBigUInt64LE(BigInt(bytes.byteLength), 14);
  const root = createHash('sha256').update(header);
  for (let at = 0; at < bytes.byteLength; at += kChunk) {
    root.update(createHash('sha256').update(bytes.subarray(at, Math.min(bytes.byteLength, at + kChunk))).digest());
  }
  return root.digest('hex');
}

// Shared helpers of the flow tests: flow files are the TypeScript/JavaScript sources under
// test/flow/flows (run directly, as a user's would be), each test file gets its own datastore.
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

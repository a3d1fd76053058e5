// The committed FlatBuffers code matches what flatc generates from schemas/artifact.fbs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { repoRoot } from './helpers.js';

it('generated code has not drifted from its schema (npm run check:generated)', () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'check-generated.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
});

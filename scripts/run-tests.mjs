#!/usr/bin/env node
// Runs every compiled node:test suite under dist/test (Node 20's --test takes no globs).
// Usage: node scripts/run-tests.mjs [substring ...]  — only files whose path contains one of them.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
let files = walk('dist/test', []).sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (!files.length) { console.error('no test files found under dist/test'); process.exit(1); }
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);

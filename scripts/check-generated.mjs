#!/usr/bin/env node
// Regenerates every generated source file and fails if it differs from the committed copy.
// Usage: node scripts/check-generated.mjs          check (CI: `npm run check:generated`)
//        node scripts/check-generated.mjs --write  regenerate in place
//
// Generators:
// - schemas/artifact.fbs -> lib/flow/datastore/generated/ with flatc --ts (Debian's
//   flatbuffers-compiler 2.0.8). flatc writes extension-less relative imports; NodeNext needs
//   `.js`, so they are rewritten, and each file gets a do-not-edit header naming this script.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const write = process.argv.includes('--write');

const targets = [
  {
    schema: 'schemas/artifact.fbs',
    outDir: 'lib/flow/datastore/generated',
    header: '// GENERATED FILE, DO NOT EDIT. Generator: flatc --ts (flatc 2.0.8) from schemas/artifact.fbs,\n' +
      '// post-processed by scripts/check-generated.mjs (`node scripts/check-generated.mjs --write`).\n',
  },
];

function walk(dir, base = dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, base, out);
    else out.push(path.relative(base, p));
  }
  return out;
}

function fixImports(source) {
  // `from './x'` / `from '../../x'` -> add .js (NodeNext resolution); package imports untouched.
  return source.replace(/(from\s+')(\.{1,2}\/[^']+?)(')/g, (_m, a, spec, c) => `${a}${spec.endsWith('.js') ? spec : spec + '.js'}${c}`);
}

let drift = 0;
for (const t of targets) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'larch-gen-'));
  try {
    const r = spawnSync('flatc', ['--ts', '-o', tmp, path.join(root, t.schema)], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      console.error(`check-generated: flatc failed for ${t.schema}: ${r.error?.message ?? r.stderr}`);
      console.error('Install it with: apt-get install flatbuffers-compiler');
      process.exit(2);
    }
    const generated = new Map();
    for (const rel of walk(tmp)) generated.set(rel, t.header + fixImports(readFileSync(path.join(tmp, rel), 'utf8')));
    const outDir = path.join(root, t.outDir);
    const committed = existsSync(outDir) ? walk(outDir) : [];
    for (const [rel, text] of generated) {
      const dest = path.join(outDir, rel);
      const current = existsSync(dest) ? readFileSync(dest, 'utf8') : undefined;
      if (current === text) continue;
      if (write) { mkdirSync(path.dirname(dest), { recursive: true }); writeFileSync(dest, text); console.log(`wrote ${path.join(t.outDir, rel)}`); }
      else { drift++; console.error(`drift: ${path.join(t.outDir, rel)} ${current === undefined ? 'is missing' : 'differs from flatc output'}`); }
    }
    for (const rel of committed) {
      if (generated.has(rel)) continue;
      if (write) { rmSync(path.join(outDir, rel)); console.log(`removed ${path.join(t.outDir, rel)}`); }
      else { drift++; console.error(`drift: ${path.join(t.outDir, rel)} is not produced by the generator`); }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
if (drift) { console.error(`check-generated: ${drift} file(s) out of date; run node scripts/check-generated.mjs --write`); process.exit(1); }
console.log(write ? 'check-generated: up to date (written)' : 'check-generated: generated code matches its sources');

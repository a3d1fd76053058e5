#!/usr/bin/env node
// Builds the native addon (build/Release/larch.node). cmake-js is the primary build; node-gyp
// (bundled with npm) is the portable fallback used only when cmake itself is not installed.
// A compile error fails loudly in either case: larch has no JavaScript fallback.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateOnnxHeaders, recordOnnxBuild } from './onnx-headers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const debug = process.argv.includes('--debug');
const jobs = String(Math.max(1, (await import('node:os')).availableParallelism()));

function run(cmd, args, env = {}) {
  console.error(`[larch build] ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function hasCmake() {
  const r = spawnSync('cmake', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

let status;
if (hasCmake() && process.env.LARCH_BUILD !== 'node-gyp') {
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const args = [cmakeJs, 'compile', '--parallel', jobs];
  // ONNX Runtime headers (node-gyp asks the same script from binding.gyp).
  const onnx = locateOnnxHeaders();
  recordOnnxBuild(onnx);
  const onnxDefs = { LARCH_WITH_ONNX: onnx.dir ? 'ON' : 'OFF', LARCH_ORT_INCLUDE_DIR: onnx.dir ?? '' };
  const onnxArgs = Object.entries(onnxDefs).map(([k, v]) => `--CD${k}=${v}`);
  args.push(...onnxArgs);
  // `cmake-js compile` only configures when there is no CMakeCache.txt yet, so -D values would
  // be ignored by an existing build folder: reconfigure when they changed.
  const cache = path.join(root, 'build', 'CMakeCache.txt');
  const cached = existsSync(cache) ? readFileSync(cache, 'utf8') : null;
  if (cached !== null && Object.entries(onnxDefs).some(([k, v]) => !new RegExp(`^${k}:[A-Z]+=${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').test(cached))) {
    const cfg = [cmakeJs, 'configure', ...onnxArgs, ...(debug ? ['--debug'] : [])];
    if (run(process.execPath, cfg) !== 0) process.exit(1);
  }
  if (debug) args.push('--debug');
  status = run(process.execPath, args, { CMAKE_BUILD_PARALLEL_LEVEL: jobs });
} else {
  console.error('[larch build] cmake not found: building with node-gyp (CPU-only fallback)');
  const npmDir = path.dirname(path.dirname(process.env.npm_execpath ?? require.resolve('npm')));
  const gyp = path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(gyp)) {
    console.error('[larch build] neither cmake nor node-gyp is available. Install cmake (apt-get install cmake).');
    process.exit(1);
  }
  // Offline: node-gyp must use the headers shipped with the system Node instead of downloading.
  const nodedir = process.env.npm_config_nodedir || '/usr';
  status = run(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, `-j`, jobs, ...(debug ? ['--debug'] : [])]);
}
if (status !== 0) {
  console.error('\n[larch build] FAILED: the native addon did not build. larch cannot run without it.');
  console.error('[larch build] Needs: g++ >= 12 (C++20), cmake >= 3.19 (or python3 + make for node-gyp).');
  process.exit(status);
}
if (!existsSync(path.join(root, 'build', 'Release', 'larch.node')) && !debug) {
  console.error('[larch build] FAILED: build/Release/larch.node was not produced.');
  process.exit(1);
}

// Whether this larch can run ONNX models, and the ONNX Runtime it uses. Two things must hold:
// the addon was built with ONNX Runtime's headers (build/onnx-build.json says why not), and a
// libonnxruntime can be loaded: LARCH_ORT_LIB, else the CPU build that the optional dependency
// onnxruntime-node ships. The first caller loads it; every later one shares it (one per process).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { unavailable, type LarchError } from '../protocol/errors.js';
import { addon, root } from '../native.js';

interface OnnxNative {
  onnxBuildInfo(): { compiled: boolean; apiVersion: number };
  onnxLoadRuntime(libraryPath: string): { path: string; version: string };
}

export type OnnxAvailability =
  | { available: true; libraryPath: string; version: string; apiVersion: number }
  | { available: false; reason: string };

let cached: OnnxAvailability | undefined;

/** Why the addon has no ONNX support, from what the build recorded. */
function buildReason(): string {
  const record = path.join(root, 'build', 'onnx-build.json');
  try {
    const r = JSON.parse(readFileSync(record, 'utf8')) as { reason?: string };
    if (r.reason) return `larch was built without ONNX support: ${r.reason}`;
  } catch { /* no record: an older build */ }
  return 'larch was built without ONNX support (no ONNX Runtime headers at build time); ' +
    'set ORT_INCLUDE_DIR to a folder with onnxruntime_c_api.h and run `npm run build:native`';
}

/** The ONNX Runtime shared library to load: LARCH_ORT_LIB, else onnxruntime-node's own. */
export function runtimeLibraryPath(): { path: string } | { reason: string } {
  const override = process.env.LARCH_ORT_LIB;
  if (override) {
    return existsSync(override) ? { path: path.resolve(override) } : { reason: `LARCH_ORT_LIB=${override} does not exist` };
  }
  if (process.platform !== 'linux') {
    return { reason: `larch loads onnxruntime-node's Linux build; on ${process.platform} set LARCH_ORT_LIB to libonnxruntime` };
  }
  const require = createRequire(path.join(root, 'package.json'));
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    return {
      reason: 'the optional dependency onnxruntime-node is not installed (npm install onnxruntime-node@1.30.0), ' +
        'and LARCH_ORT_LIB does not point at a libonnxruntime.so',
    };
  }
  const lib = path.join(pkgDir, 'bin', 'napi-v6', 'linux', process.arch, 'libonnxruntime.so.1');
  return existsSync(lib) ? { path: lib } : { reason: `onnxruntime-node has no ${lib}` };
}

/** Checks (once) that ONNX models can run here; never throws. */
export function onnxAvailability(): OnnxAvailability {
  if (cached) return cached;
  const native = addon as unknown as Partial<OnnxNative>;
  const info = native.onnxBuildInfo?.();
  if (!info?.compiled) return (cached = { available: false, reason: buildReason() });
  const lib = runtimeLibraryPath();
  if ('reason' in lib) return (cached = { available: false, reason: lib.reason });
  try {
    const rt = native.onnxLoadRuntime!(lib.path);
    cached = { available: true, libraryPath: rt.path, version: rt.version, apiVersion: info.apiVersion };
  } catch (err) {
    cached = { available: false, reason: (err as Error).message };
  }
  return cached;
}

/** Throws UNAVAILABLE, with the reason, when ONNX models cannot run in this process. */
export function requireOnnxRuntime(what: string): void {
  const a = onnxAvailability();
  if (a.available) return;
  if (!warned) {
    warned = true;
    process.emitWarning(`ONNX models are unavailable in this larch: ${a.reason}`, { code: 'LARCH_NO_ONNX' });
  }
  throw onnxUnavailable(what, a.reason);
}
let warned = false;

function onnxUnavailable(what: string, reason: string): LarchError {
  return unavailable(`cannot load ${what}: ONNX models are unavailable: ${reason}`);
}

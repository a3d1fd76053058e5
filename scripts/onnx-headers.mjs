#!/usr/bin/env node
// Finds ONNX Runtime's C headers for the native build. No npm package ships them, so we look in
// $ORT_INCLUDE_DIR, then /usr/include/onnxruntime, then fetch Debian trixie's libonnxruntime-dev
// (headers only, API version 21) into .deps/ with a private apt state, so the system's own
// apt lists, cache and dpkg database are never touched and trixie's runtime is never installed.
// The runtime itself is loaded at run time with dlopen (the one onnxruntime-node ships).
//
// As a module: `locateOnnxHeaders()` -> { dir, apiVersion, source } or { dir: null, reason }, and
// `recordOnnxBuild(found)` writes build/onnx-build.json, which lib/onnx reads to say at model
// load time why a build has no ONNX support.
// As a script (for binding.gyp): `--gyp-include` prints the include dir (or nothing),
// `--gyp-defines` prints LARCH_WITH_ONNX=0|1 (both record the result); no flag prints a line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Outside build/: cmake-js deletes build/ when it retries a failed compile from scratch, and
// the fetched headers must survive that.
const depsDir = path.join(root, '.deps', 'onnxruntime-headers');
const DEB_SUITE = 'trixie';
const DEB_PACKAGE = 'libonnxruntime-dev';
// The oldest C API we accept. The runtime that onnxruntime-node 1.30 ships serves API <= 23, so
// 1.21's headers (API 21) request a version it provides.
const MIN_API_VERSION = 16;

/** ORT_API_VERSION declared by the header in `dir`, or null if `dir` has no usable header. */
function headerApiVersion(dir) {
  const file = path.join(dir, 'onnxruntime_c_api.h');
  if (!existsSync(file)) return null;
  const m = /#define\s+ORT_API_VERSION\s+(\d+)/.exec(readFileSync(file, 'utf8'));
  return m ? Number(m[1]) : null;
}

function accept(dir, source) {
  const apiVersion = headerApiVersion(dir);
  if (apiVersion === null) return { dir: null, reason: `${source}: no onnxruntime_c_api.h with ORT_API_VERSION in ${dir}` };
  if (apiVersion < MIN_API_VERSION) return { dir: null, reason: `${source}: ${dir} declares ORT_API_VERSION ${apiVersion} < ${MIN_API_VERSION}` };
  return { dir, apiVersion, source };
}

/** The first http(s) mirror URI for Debian's main archive in the system's own apt sources. */
function systemDebianMirror() {
  const files = [];
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const f of readdirSync('/etc/apt/sources.list.d')) {
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join('/etc/apt/sources.list.d', f));
    }
  }
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    // deb822 (URIs: ...) and one-line (deb [opts] URI suite ...) forms.
    const uris = [...Array.from(text.matchAll(/^\s*URIs:\s*(\S+)/gim), (m) => m[1]),
      ...Array.from(text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/gm), (m) => m[1])];
    const mirror = uris.find((u) => /^https?:\/\//.test(u) && /\/debian\/?$/.test(u));
    if (mirror) return mirror.replace(/\/$/, '');
  }
  return null;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { ok: false, out: `${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, out: (r.stdout + r.stderr).trim().split('\n').slice(-3).join(' | ') };
}

/** Downloads trixie's libonnxruntime-dev with a private apt state and unpacks its headers. */
function fetchDebianHeaders() {
  const include = path.join(depsDir, 'root', 'usr', 'include', 'onnxruntime');
  if (headerApiVersion(include) !== null) return accept(include, `cached ${DEB_SUITE} ${DEB_PACKAGE}`);
  if (process.env.LARCH_ORT_FETCH === '0') return { dir: null, reason: 'LARCH_ORT_FETCH=0: not fetching the headers' };
  const mirror = systemDebianMirror();
  if (!mirror) return { dir: null, reason: 'no Debian mirror found in /etc/apt/sources.list(.d) to fetch libonnxruntime-dev from' };
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  if (!existsSync(keyring)) return { dir: null, reason: `${keyring} missing: cannot verify Debian ${DEB_SUITE}` };

  rmSync(depsDir, { recursive: true, force: true });
  const etc = path.join(depsDir, 'apt', 'etc');
  const state = path.join(depsDir, 'apt', 'state');
  const cache = path.join(depsDir, 'apt', 'cache');
  for (const d of [path.join(etc, 'sources.list.d'), path.join(etc, 'preferences.d'),
    path.join(state, 'lists', 'partial'), path.join(cache, 'archives', 'partial')]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(etc, 'sources.list'), `deb [signed-by=${keyring}] ${mirror} ${DEB_SUITE} main\n`);
  writeFileSync(path.join(state, 'status'), '');
  // Every apt path that could reach the system's state points into depsDir instead.
  const opts = [
    `Dir::Etc::SourceList=${path.join(etc, 'sources.list')}`,
    `Dir::Etc::SourceParts=${path.join(etc, 'sources.list.d')}`,
    `Dir::Etc::PreferencesParts=${path.join(etc, 'preferences.d')}`,
    `Dir::Etc::Preferences=${path.join(etc, 'preferences')}`,
    `Dir::State=${state}`, `Dir::State::status=${path.join(state, 'status')}`,
    `Dir::Cache=${cache}`, 'APT::Sandbox::User=root', 'Debug::NoLocking=1',
  ].flatMap((o) => ['-o', o]);
  console.error(`[larch build] fetching ${DEB_PACKAGE} (headers only) from ${mirror} ${DEB_SUITE} into ${depsDir}`);
  const update = run('apt-get', [...opts, '-qq', 'update'], depsDir);
  if (!update.ok) return { dir: null, reason: `apt-get update (private, ${DEB_SUITE}) failed: ${update.out}` };
  const download = run('apt-get', [...opts, '-qq', 'download', DEB_PACKAGE], depsDir);
  if (!download.ok) return { dir: null, reason: `apt-get download ${DEB_PACKAGE} failed: ${download.out}` };
  const deb = readdirSync(depsDir).find((f) => f.startsWith(`${DEB_PACKAGE}_`) && f.endsWith('.deb'));
  if (!deb) return { dir: null, reason: `apt-get download produced no ${DEB_PACKAGE} .deb` };
  const unpack = run('dpkg-deb', ['-x', deb, 'root'], depsDir);
  if (!unpack.ok) return { dir: null, reason: `dpkg-deb -x ${deb} failed: ${unpack.out}` };
  rmSync(path.join(depsDir, 'apt'), { recursive: true, force: true });
  return accept(include, `${DEB_SUITE} ${deb}`);
}

export function locateOnnxHeaders() {
  const reasons = [];
  if (process.env.LARCH_WITH_ONNX === '0') return { dir: null, reason: 'LARCH_WITH_ONNX=0 was set' };
  if (process.env.ORT_INCLUDE_DIR) {
    const r = accept(process.env.ORT_INCLUDE_DIR, '$ORT_INCLUDE_DIR');
    if (r.dir) return r;
    reasons.push(r.reason);
  }
  const system = accept('/usr/include/onnxruntime', 'system');
  if (system.dir) return system;
  reasons.push(system.reason);
  const fetched = fetchDebianHeaders();
  if (fetched.dir) return fetched;
  reasons.push(fetched.reason);
  return { dir: null, reason: reasons.join('; ') };
}

/** Records the outcome for run time (lib/onnx/availability.ts) and says loudly when ONNX is off. */
export function recordOnnxBuild(found) {
  mkdirSync(path.join(root, 'build'), { recursive: true });
  const record = found.dir
    ? { withOnnx: true, includeDir: found.dir, apiVersion: found.apiVersion, source: found.source }
    : { withOnnx: false, reason: found.reason };
  writeFileSync(path.join(root, 'build', 'onnx-build.json'), JSON.stringify(record, null, 2) + '\n');
  if (!found.dir) {
    const bar = '!'.repeat(78);
    console.error(`\n${bar}\n[larch build] WARNING: building WITHOUT ONNX support.\n[larch build] ${found.reason}\n` +
      '[larch build] Forest models work; ONNX models will be UNAVAILABLE. Fix: set ORT_INCLUDE_DIR to a folder\n' +
      '[larch build] holding onnxruntime_c_api.h (ONNX Runtime >= 1.16 headers) and rebuild (npm run build:native).\n' + `${bar}\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = locateOnnxHeaders();
  const forGyp = process.argv.includes('--gyp-include') || process.argv.includes('--gyp-defines');
  if (forGyp) recordOnnxBuild(found);
  if (process.argv.includes('--gyp-include')) {
    if (found.dir) console.log(found.dir);
  } else if (process.argv.includes('--gyp-defines')) {
    console.log(found.dir ? 'LARCH_WITH_ONNX=1' : 'LARCH_WITH_ONNX=0');
  } else {
    console.log(found.dir ? `ONNX Runtime headers: ${found.dir} (API ${found.apiVersion}, ${found.source})` : `no ONNX Runtime headers: ${found.reason}`);
  }
}

// The model repository: which models and versions are served, in Triton's model control modes.
//   none      load every model at start; the repository never changes afterwards
//   poll      load every model at start, then rescan every pollSeconds: added models load,
//             removed ones unload, changed ones (config or version folders) reload
//   explicit  load only --load-model names at start ("*" = all); the load/unload API does the rest
// Loads and unloads of one model run one at a time (a per-model promise chain). A reload loads
// the new versions fully, switches the served map in one assignment, then retires the old
// versions, which unload once their in-flight requests finish (served-version.ts).
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ModelStats } from '../backends/types.js';
import { LarchError, toLarchError } from '../protocol/errors.js';
import type { ModelConfig } from './model-config.js';
import { withConfigDefaults } from './config.js';
import { loadModelFromDir } from './model-loader.js';
import { type ModelDir, scanModel, scanRepository } from './scan.js';
import { ModelHandle, ServedVersion } from './served-version.js';
import type { LoadRequest, ModelMetadataView, ModelRepositoryView, ModelState, RepositoryIndexEntry } from './types.js';

export type ModelControlMode = 'none' | 'poll' | 'explicit';

export interface RepositoryOptions {
  /** --model-repository */
  root: string;
  /** --model-control-mode (default none) */
  controlMode?: ModelControlMode;
  /** --repository-poll-secs (poll mode; default 15) */
  pollSeconds?: number;
  /** --load-model: models to load at start in explicit mode; "*" loads all */
  loadModels?: string[];
  /** --strict-model-config (default false: configs are auto-completed from the model) */
  strictModelConfig?: boolean;
  /**
   * --strict-readiness (default true, as Triton): the repository is ready only while every model
   * it tried to load is ready (models unloaded on purpose excepted).
   */
  strictReadiness?: boolean;
  /** Where loads, load failures and reloads are reported, with their severity (default: stderr). */
  log?: (message: string, level: 'info' | 'warning' | 'error') => void;
}

interface ModelEntry {
  name: string;
  state: ModelState;
  reason: string;
  config: ModelConfig | undefined;
  /** Ready versions, replaced as a whole on every (re)load. */
  versions: Map<string, ServedVersion>;
  failed: Map<string, string>;
  /** What was on disk when last loaded (poll mode compares against it). */
  source: ModelDir | undefined;
  /** Temporary folder of a load request that carried files; removed on the next load/unload. */
  overrideRoot: string | undefined;
  chain: Promise<void>;
}

const byVersion = (a: string, b: string) => Number(a) - Number(b);
/** "01" names version 1, as Triton parses version numbers. */
const canonicalVersion = (v: string) => (/^\d+$/.test(v) ? String(Number(v)) : v);

function sourceSignature(m: ModelDir | undefined): string {
  if (!m) return '';
  return `${m.configFingerprint}|${m.versions.map((v) => `${v.version}:${v.fingerprint}`).join(',')}`;
}

export class ModelRepository implements ModelRepositoryView {
  readonly #root: string;
  readonly #mode: ModelControlMode;
  readonly #pollMs: number;
  readonly #strict: boolean;
  readonly #strictReadiness: boolean;
  readonly #log: (message: string, level?: 'info' | 'warning' | 'error') => void;
  readonly #entries = new Map<string, ModelEntry>();
  readonly #retiring = new Set<Promise<void>>();
  #ready = false;
  #closed = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;

  private constructor(options: RepositoryOptions) {
    this.#root = path.resolve(options.root);
    this.#mode = options.controlMode ?? 'none';
    const secs = options.pollSeconds ?? 15;
    if (!(secs > 0)) throw new LarchError('INVALID_ARGUMENT', `--repository-poll-secs must be > 0, got ${secs}`);
    this.#pollMs = secs * 1000;
    this.#strict = options.strictModelConfig ?? false;
    this.#strictReadiness = options.strictReadiness ?? true;
    const sink = options.log ?? ((m: string) => process.stderr.write(`[larch repository] ${m}\n`));
    this.#log = (m, level = 'info') => sink(m, level);
  }

  /** Opens the repository and performs the initial load of its control mode. */
  static async open(options: RepositoryOptions): Promise<ModelRepository> {
    const repo = new ModelRepository(options);
    const models = await scanRepository(repo.#root);
    if (!models.size && !existsSync(repo.#root)) {
      throw new LarchError('INVALID_ARGUMENT', `model repository ${repo.#root} does not exist`);
    }
    let names = [...models.keys()];
    if (repo.#mode === 'explicit') {
      const wanted = options.loadModels ?? [];
      names = wanted.includes('*') ? names : [...new Set(wanted)];
    } else if (options.loadModels?.length) {
      throw new LarchError('INVALID_ARGUMENT', '--load-model is only allowed with --model-control-mode=explicit');
    }
    await Promise.all(names.map((name) => repo.#enqueue(name, () => repo.#load(name, undefined, models.get(name)))
      .catch(() => undefined)));   // failures are recorded in the entry (UNAVAILABLE + reason)
    repo.#ready = true;
    if (repo.#mode === 'poll') repo.#schedulePoll();
    return repo;
  }

  get ready(): boolean {
    return this.#ready && !this.#closed && (!this.#strictReadiness || this.#everyModelReady());
  }

  // Triton's strict readiness: a model with no ready version, a version that failed, or one
  // still loading makes the server not ready; a model unloaded on purpose does not.
  #everyModelReady(): boolean {
    for (const e of this.#entries.values()) {
      if (e.state === 'UNAVAILABLE' && e.reason === 'unloaded') continue;
      if (e.state !== 'READY' || e.versions.size === 0 || e.failed.size > 0) return false;
    }
    return true;
  }
  get controlMode(): ModelControlMode { return this.#mode; }

  #entry(name: string): ModelEntry {
    let e = this.#entries.get(name);
    if (!e) {
      e = { name, state: 'UNAVAILABLE', reason: '', config: undefined, versions: new Map(), failed: new Map(),
        source: undefined, overrideRoot: undefined, chain: Promise.resolve() };
      this.#entries.set(name, e);
    }
    return e;
  }

  /** Runs `op` after every earlier load/unload of the same model. */
  #enqueue<T>(name: string, op: () => Promise<T>): Promise<T> {
    const e = this.#entry(name);
    const run = e.chain.then(op);
    e.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  #retire(versions: Iterable<ServedVersion>): void {
    for (const v of versions) {
      const p = v.retire().catch((err) => this.#log(`unloading version ${v.version} of "${v.config.name}" failed: ${toLarchError(err).message}`, 'error'));
      this.#retiring.add(p);
      void p.finally(() => this.#retiring.delete(p));
    }
  }

  // Loads (or reloads) a model. Throws the reason when nothing of it can be served.
  async #load(name: string, request: LoadRequest | undefined, scanned?: ModelDir): Promise<void> {
    const e = this.#entry(name);
    let overrideRoot: string | undefined;
    let source = scanned;
    if (request?.files && Object.keys(request.files).length) {
      overrideRoot = await this.#writeOverride(name, request);
      source = await scanModel(overrideRoot, name);
    } else if (!source) {
      source = await scanModel(this.#root, name);
    }
    if (!source) {
      if (overrideRoot) await rm(overrideRoot, { recursive: true, force: true });
      const reason = `model "${name}" is not in the model repository ${this.#root}`;
      if (e.versions.size === 0) this.#entries.delete(name);   // nothing to list for a name that never existed
      throw new LarchError('INVALID_ARGUMENT', reason);
    }
    e.state = e.versions.size ? e.state : 'LOADING';
    let versionFailures: Map<string, string> | undefined;
    try {
      const loaded = await loadModelFromDir({
        name, source, configOverride: request?.config, strict: this.#strict, previous: e.versions,
      });
      if (loaded.versions.size === 0) {
        versionFailures = loaded.failed;   // the index lists each failed version
        throw new LarchError('INVALID_ARGUMENT', [...loaded.failed].map(([v, r]) => `version ${v}: ${r}`).join('; '));
      }
      const old = e.versions;
      e.versions = loaded.versions;   // the switch: new requests see only the new versions from here
      e.config = loaded.config;
      e.failed = loaded.failed;
      e.state = 'READY';
      e.reason = '';
      e.source = source;
      this.#retire([...old.values()].filter((v) => loaded.versions.get(v.version) !== v));
      for (const [v, r] of loaded.failed) this.#log(`version ${v} of model "${name}" is unavailable: ${r}`, 'error');
      const fresh = [...loaded.versions.values()].filter((v) => old.get(v.version) !== v);
      if (fresh.length) this.#log(`successfully loaded model "${name}" version(s) ${fresh.map((v) => `${v.version} (${v.loadSeconds.toFixed(3)} s)`).join(', ')}`);
      if (e.overrideRoot && e.overrideRoot !== overrideRoot) await rm(e.overrideRoot, { recursive: true, force: true });
      e.overrideRoot = overrideRoot;
    } catch (err) {
      if (overrideRoot) await rm(overrideRoot, { recursive: true, force: true });
      const reason = toLarchError(err).message;
      e.source = source;   // poll: do not retry an unchanged broken model on every scan
      if (e.versions.size === 0) {
        e.failed = versionFailures ?? new Map();
        e.state = 'UNAVAILABLE';
        e.reason = reason;
        this.#log(`model "${name}" failed to load: ${reason}`, 'error');
      } else {
        this.#log(`reloading model "${name}" failed, the loaded versions keep serving: ${reason}`, 'warning');
      }
      throw toLarchError(err);
    }
  }

  // A load request with files: the model folder is exactly those files (Triton's semantics).
  async #writeOverride(name: string, request: LoadRequest): Promise<string> {
    if (request.config === undefined) {
      throw new LarchError('INVALID_ARGUMENT', `a load request for "${name}" that carries files must also carry "config"`);
    }
    const root = await mkdtemp(path.join(os.tmpdir(), 'larch-model-'));
    const modelDir = path.join(root, name);
    try {
      for (const [key, data] of Object.entries(request.files!)) {
        const rel = key.startsWith('file:') ? key.slice(5) : key;
        const target = path.resolve(modelDir, rel);
        if (!rel || path.isAbsolute(rel) || !target.startsWith(modelDir + path.sep)) {
          throw new LarchError('INVALID_ARGUMENT', `load request file "${key}" must be a relative path inside the model folder`);
        }
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, data);
      }
      await mkdir(modelDir, { recursive: true });
    } catch (err) {
      await rm(root, { recursive: true, force: true });
      throw toLarchError(err);
    }
    return root;
  }

  async #unload(name: string): Promise<void> {
    const e = this.#entries.get(name);
    if (!e) return;
    const old = [...e.versions.values()];
    e.versions = new Map();
    e.failed = new Map();
    e.state = 'UNLOADING';
    this.#retire(old);
    await Promise.all(old.map((v) => v.retire().catch(() => undefined)));
    e.state = 'UNAVAILABLE';
    e.reason = 'unloaded';
    e.source = undefined;
    if (e.overrideRoot) await rm(e.overrideRoot, { recursive: true, force: true });
    e.overrideRoot = undefined;
  }

  #schedulePoll(): void {
    if (this.#closed) return;
    this.#pollTimer = setTimeout(() => {
      this.#polling = this.pollOnce().catch((err) => this.#log(`polling the repository failed: ${toLarchError(err).message}`, 'error'))
        .finally(() => { this.#polling = undefined; this.#schedulePoll(); });
    }, this.#pollMs);
    this.#pollTimer.unref();
  }

  /** One poll cycle: load added, unload removed, reload changed models. Exposed for tests. */
  async pollOnce(): Promise<void> {
    const models = await scanRepository(this.#root);
    const ops: Promise<unknown>[] = [];
    for (const [name, m] of models) {
      const e = this.#entries.get(name);
      if (!e || sourceSignature(e.source) !== sourceSignature(m)) {
        this.#log(`${e ? 'reloading changed' : 'loading new'} model "${name}"`);
        ops.push(this.#enqueue(name, () => this.#load(name, undefined, m)).catch(() => undefined));
      }
    }
    for (const name of this.#entries.keys()) {
      if (!models.has(name)) {
        this.#log(`unloading removed model "${name}"`);
        ops.push(this.#enqueue(name, async () => {
          await this.#unload(name);
          this.#entries.delete(name);
        }));
      }
    }
    await Promise.all(ops);
  }

  async index(options?: { readyOnly?: boolean }): Promise<RepositoryIndexEntry[]> {
    const rows: RepositoryIndexEntry[] = [];
    const names = new Set(this.#entries.keys());
    if (this.#mode === 'explicit') for (const n of (await scanRepository(this.#root)).keys()) names.add(n);
    for (const name of [...names].sort()) {
      const e = this.#entries.get(name);
      if (!e) {
        // Never loaded (explicit mode): Triton lists the name with no reason; only failures have one.
        rows.push({ name, version: '', state: 'UNAVAILABLE', reason: '' });
        continue;
      }
      for (const v of [...e.versions.keys()].sort(byVersion)) rows.push({ name, version: v, state: 'READY', reason: '' });
      for (const [v, reason] of [...e.failed].sort((a, b) => byVersion(a[0], b[0]))) {
        rows.push({ name, version: v, state: 'UNAVAILABLE', reason });
      }
      if (e.versions.size === 0 && e.failed.size === 0) rows.push({ name, version: '', state: e.state, reason: e.reason });
    }
    return options?.readyOnly ? rows.filter((r) => r.state === 'READY') : rows;
  }

  // Which version serves a request, with Triton's errors (its model life cycle's GetModel): an
  // unknown model or version, or no ready version when none is named, is NOT_FOUND; a named
  // version that failed to load is UNAVAILABLE. larch's messages add the reason.
  #served(name: string, version?: string): ServedVersion {
    const e = this.#entries.get(name);
    if (!e) {
      throw new LarchError('NOT_FOUND', `unknown model "${name}"`);
    }
    if (version !== undefined && version !== '') {
      version = canonicalVersion(version);
      const v = e.versions.get(version);
      if (v) return v;
      const reason = e.failed.get(version);
      if (reason !== undefined) throw new LarchError('UNAVAILABLE', `version ${version} of model "${name}" is unavailable: ${reason}`);
      const ready = e.versions.size ? `ready: ${[...e.versions.keys()].sort(byVersion).join(', ')}` : `it ${this.#state(e)}`;
      throw new LarchError('NOT_FOUND', `model "${name}" has no version "${version}" (${ready})`);
    }
    if (e.versions.size === 0) throw new LarchError('NOT_FOUND', `model "${name}" has no available versions: it ${this.#state(e)}`);
    let best: ServedVersion | undefined;
    for (const v of e.versions.values()) if (!best || Number(v.version) > Number(best.version)) best = v;
    return best!;
  }

  #state(e: ModelEntry): string {
    return e.state === 'LOADING' ? 'is loading' : e.state === 'UNLOADING' ? 'is unloading' : `is unavailable: ${e.reason || 'not loaded'}`;
  }

  getModel(name: string, version?: string): ModelHandle {
    const pinned = version !== undefined && version !== '';
    const served = this.#served(name, version);
    return served.existingHandle(pinned) ?? served.handle(pinned, () => this.#served(name));
  }

  isModelReady(name: string, version?: string): boolean {
    try {
      this.#served(name, version);
      return true;
    } catch {
      return false;
    }
  }

  requireReady(name: string, version?: string): void {
    this.#served(name, version);
  }

  metadata(name: string, version?: string): ModelMetadataView {
    const served = this.#served(name, version);
    const e = this.#entries.get(name)!;
    return {
      name,
      versions: [...e.versions.keys()].sort(byVersion),
      platform: served.model.platform,
      inputs: served.model.inputs,
      outputs: served.model.outputs,
      parameters: { ...served.lineage.metadata },
    };
  }

  config(name: string, version?: string): Record<string, unknown> {
    const served = this.#served(name, version);
    // In the proto's field order at every level, as Triton prints a config (fields filled in
    // after parsing, such as version_policy and optimization, would otherwise come last).
    return withConfigDefaults(structuredClone(served.config) as never) as unknown as Record<string, unknown>;
  }

  async load(name: string, request?: LoadRequest): Promise<void> {
    if (this.#mode !== 'explicit') {
      throw new LarchError('UNAVAILABLE', `explicit model load / unload is not allowed in model control mode "${this.#mode}" (start the server with --model-control-mode=explicit)`);
    }
    if (!/^[^/\\]+$/.test(name) || name === '.' || name === '..') {
      throw new LarchError('INVALID_ARGUMENT', `"${name}" is not a valid model name`);
    }
    await this.#enqueue(name, () => this.#load(name, request));
  }

  async unload(name: string, _options?: { unloadDependents?: boolean }): Promise<void> {
    if (this.#mode !== 'explicit') {
      throw new LarchError('UNAVAILABLE', `explicit model load / unload is not allowed in model control mode "${this.#mode}" (start the server with --model-control-mode=explicit)`);
    }
    if (!this.#entries.has(name) && !(await scanModel(this.#root, name))) {
      throw new LarchError('NOT_FOUND', `unknown model "${name}"`);
    }
    await this.#enqueue(name, () => this.#unload(name));
  }

  statistics(name?: string, version?: string): Array<{ name: string; version: string; stats: ModelStats; loadSeconds?: number }> {
    const out: Array<{ name: string; version: string; stats: ModelStats; loadSeconds?: number }> = [];
    if (name !== undefined && name !== '') {
      // Triton's statistics extension: INVALID_ARGUMENT unless a ready version answers.
      const e = this.#entries.get(name);
      if (!e || e.versions.size === 0) throw new LarchError('INVALID_ARGUMENT', `requested model '${name}' is not available${e ? `: it ${this.#state(e)}` : ''}`);
      if (version !== undefined && version !== '') {
        const v = e.versions.get(canonicalVersion(version));
        if (!v) throw new LarchError('INVALID_ARGUMENT', `requested model version is not available for model '${name}' (version "${version}"; ready: ${[...e.versions.keys()].sort(byVersion).join(', ')})`);
        return [{ name, version: v.version, stats: v.model.stats(), loadSeconds: v.loadSeconds }];
      }
      for (const v of [...e.versions.values()].sort((a, b) => byVersion(a.version, b.version))) {
        out.push({ name, version: v.version, stats: v.model.stats(), loadSeconds: v.loadSeconds });
      }
      return out;
    }
    for (const e of [...this.#entries.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      for (const v of [...e.versions.values()].sort((a, b) => byVersion(a.version, b.version))) {
        out.push({ name: e.name, version: v.version, stats: v.model.stats(), loadSeconds: v.loadSeconds });
      }
    }
    return out;
  }

  /** Stops polling and unloads everything, waiting for in-flight requests. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#pollTimer);
    await this.#polling;
    await Promise.all([...this.#entries.keys()].map((name) => this.#enqueue(name, () => this.#unload(name)).catch(() => undefined)));
    await Promise.all([...this.#retiring]);
  }
}

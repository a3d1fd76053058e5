// Loads one model from its folder: config (config.pbtxt or a JSON override), normalization,
// backend choice, auto-complete from the model, validation, version policy, then every selected
// version through its backend (plus warmup). Versions whose folder and config did not change
// since the previous load are reused as they are, so a reload touches only what changed.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LarchError, toLarchError } from '../protocol/errors.js';
import { type Backend, type BackendLoadContext, backendFor } from './backend-registry.js';
import { normalizeModelConfig, parseConfigJson, parseConfigText } from './config.js';
import { detectBackend } from './fil-files.js';
import { readLineage } from './lineage.js';
import type { ModelConfig } from './model-config.js';
import type { JsonObject } from './pbtxt/schema.js';
import type { ModelDir } from './scan.js';
import { ServedVersion } from './served-version.js';
import { validateModelConfig } from './validate.js';
import { selectVersions } from './version-policy.js';
import { readOutputLabels } from './labels.js';
import { runWarmup } from './warmup.js';

export interface LoadModelArgs {
  name: string;
  source: ModelDir;
  /** A JSON ModelConfig that replaces config.pbtxt (the load API's `config` parameter). */
  configOverride?: string;
  /** --strict-model-config: no auto-complete, config.pbtxt required. */
  strict: boolean;
  /** Versions served now, reused when unchanged. */
  previous?: ReadonlyMap<string, ServedVersion>;
}

export interface LoadedModel {
  config: ModelConfig;
  /** Ready versions: newly loaded ones and reused previous ones. */
  versions: Map<string, ServedVersion>;
  /** Versions that failed, with the reason. */
  failed: Map<string, string>;
}

async function readRawConfig(args: LoadModelArgs): Promise<JsonObject> {
  if (args.configOverride !== undefined) {
    return parseConfigJson(args.configOverride, `config of the load request for model "${args.name}"`);
  }
  const file = path.join(args.source.dir, 'config.pbtxt');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new LarchError('INVALID_ARGUMENT', `cannot read ${file}: ${(err as Error).message}`);
    }
    if (args.strict) {
      throw new LarchError('INVALID_ARGUMENT',
        `model "${args.name}" has no config.pbtxt, which --strict-model-config=true requires (${file})`);
    }
    return {};
  }
  return parseConfigText(text, file);
}

function contextFor(backend: Backend, cfg: ModelConfig, source: ModelDir, version: string): BackendLoadContext {
  const versionDir = path.join(source.dir, version);
  const filename = cfg.default_model_filename || backend.defaultModelFilename(cfg);
  return { modelDir: source.dir, versionDir, version, modelPath: path.join(versionDir, filename), responseParameters: {} };
}

async function requireModelFile(backend: Backend, cfg: ModelConfig, source: ModelDir, ctx: BackendLoadContext): Promise<void> {
  if (await stat(ctx.modelPath).catch(() => undefined)) return;
  throw new LarchError('INVALID_ARGUMENT',
    `version ${ctx.version} of model "${cfg.name}" has no model file ${path.relative(source.dir, ctx.modelPath)} ` +
    `(set default_model_filename, or name the file as the ${backend.name} backend expects)`);
}

async function loadVersion(backend: Backend, cfg: ModelConfig, source: ModelDir, version: string, sourceKey: string): Promise<ServedVersion> {
  const started = performance.now();
  const ctx = contextFor(backend, cfg, source, version);
  const lineage = await readLineage(ctx.versionDir, version);
  ctx.responseParameters = lineage.response;
  await requireModelFile(backend, cfg, source, ctx);
  const labels = await readOutputLabels(cfg, source.dir);
  const model = await backend.load(cfg, ctx);
  try {
    await runWarmup(cfg, model, source.dir);
  } catch (err) {
    await model.unload().catch(() => undefined);
    throw err;
  }
  const served = new ServedVersion(model, version, cfg, lineage, sourceKey, labels);
  served.loadSeconds = (performance.now() - started) / 1000;   // files, backend load and warmup
  return served;
}

// Nothing for auto-complete to add: batching declared and every tensor has its dims. (The
// backend's load still checks the config against the model.) Skipping saves parsing the model
// a second time on every load and reload.
function isComplete(cfg: ModelConfig): boolean {
  return cfg.max_batch_size > 0 && cfg.input.length > 0 && cfg.output.length > 0 &&
    [...cfg.input, ...cfg.output].every((t) => t.dims.length > 0);
}

/** Loads `args.source` as model `args.name`. Throws when the model as a whole cannot load. */
export async function loadModelFromDir(args: LoadModelArgs): Promise<LoadedModel> {
  const { name, source } = args;
  let cfg = normalizeModelConfig(await readRawConfig(args), name);
  const available = source.versions.map((v) => v.version);
  const selection = selectVersions(cfg.version_policy, available);
  if (selection.selected.length === 0) {
    throw new LarchError('INVALID_ARGUMENT',
      `model "${name}" has no version to serve under its version_policy ` +
      `(version folders: ${available.length ? available.join(', ') : 'none'}` +
      `${selection.missing.length ? `; policy asks for ${selection.missing.join(', ')}` : ''})`);
  }
  if (!args.strict) await detectBackend(cfg, path.join(source.dir, selection.selected[selection.selected.length - 1]!));
  const backend = backendFor(cfg);
  if (!args.strict && backend.autoComplete && !isComplete(cfg)) {
    const newest = selection.selected[selection.selected.length - 1]!;
    const ctx = contextFor(backend, cfg, source, newest);
    await requireModelFile(backend, cfg, source, ctx);
    const completed = await backend.autoComplete(cfg, ctx);
    cfg = normalizeModelConfig(completed as unknown as JsonObject, name);
  }
  validateModelConfig(cfg);

  const configKey = createHash('sha1').update(JSON.stringify(cfg)).digest('hex');
  const versions = new Map<string, ServedVersion>();
  const failed = new Map<string, string>();
  for (const v of selection.missing) failed.set(v, `version folder ${v} does not exist (version_policy specific)`);
  const results = await Promise.allSettled(selection.selected.map(async (version) => {
    const fp = source.versions.find((x) => x.version === version)!.fingerprint;
    const sourceKey = `${configKey}/${fp}`;
    const prev = args.previous?.get(version);
    if (prev && !prev.retired && prev.sourceKey === sourceKey) return prev;
    return loadVersion(backend, cfg, source, version, sourceKey);
  }));
  results.forEach((r, i) => {
    const version = selection.selected[i]!;
    if (r.status === 'fulfilled') versions.set(version, r.value);
    else failed.set(version, toLarchError(r.reason).message);
  });
  return { config: cfg, versions, failed };
}

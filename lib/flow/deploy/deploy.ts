// deploy(): publishes a model as the next version of a Triton model repository, with the
// lineage that ties every prediction of that version back to the flow run that made it.
//
//   DIR/<name>/config.pbtxt          backend "fil" (replaced atomically)
//   DIR/<name>/<version>/checkpoint.tl   the model as a Treelite checkpoint
//   DIR/<name>/<version>/lineage.json    flow, run, step, task, data hash, params, metrics
//
// The version folder appears atomically (see RepositoryWriter), so a server polling the
// repository never sees a partial version.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { current } from '../current.js';
import { filConfigText } from './fil-config.js';
import { LocalRepositoryWriter, type RepositoryWriter } from './repository-writer.js';

/** What deploy() needs of a model: every forest larch loads or trains has it. */
export interface DeployableModel {
  readonly numFeature: number;
  readonly numOutput: number;
  readonly task: string;
  toTreelite(): Uint8Array;
}

export interface DeployOptions {
  /** A model repository folder, or a writer for another store. */
  repository: string | RepositoryWriter;
  /** Model name in the repository. */
  name: string;
  /** Version to publish; default: one above the highest existing version. */
  version?: number;
  /** The data the model was trained on; its sha256 becomes lineage.data_hash. */
  trainingData?: ArrayBufferView | ArrayBufferView[];
  /** Or the hash itself, when the data is not at hand. */
  dataHash?: string;
  /** Names of the flow artifacts holding the training data, in the order they were hashed
   *  (`larch lineage` re-hashes them to prove the chain). */
  dataArtifacts?: string[];
  /** Training parameters and evaluation metrics recorded in lineage.json. */
  parameters?: Record<string, unknown>;
  metrics?: Record<string, number>;
  /** Lineage fields when deploying outside a flow (inside one they come from `current`). */
  lineage?: { flow?: string; runId?: string; step?: string; task?: string };
  /** FIL settings (Triton's defaults where it has them). */
  predictProba?: boolean;
  outputClass?: boolean;
  threshold?: number;
  maxBatchSize?: number;
  instanceCount?: number;
  maxQueueDelayUs?: number;
}

export interface Lineage {
  model: string;
  version: number;
  flow: string | null;
  run_id: string | null;
  step: string | null;
  task: string | null;
  pathspec: string | null;
  datastore: string | null;
  data_hash: string | null;
  data_artifacts: string[];
  parameters: Record<string, unknown>;
  metrics: Record<string, number>;
  model_file: string;
  model_sha256: string;
  num_feature: number;
  task_type: string;
  created_at: string;
  larch_version: string;
}

export interface DeployResult {
  name: string;
  version: number;
  /** Where the version was written (folder or URL). */
  location: string;
  lineage: Lineage;
}

// Plain SHA-256, deliberately not the datastore's blob name (lib/flow/datastore/blob-name.ts):
// model_sha256 is checked against a file in the model repository and data_hash against the raw
// training bytes, both outside the datastore, and either can be checked with `sha256sum`. Lineage
// finds the artifacts themselves by the blob names recorded in the task index.
function sha256(parts: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex');
}

function larchVersion(): string {
  const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'package.json');
  try { return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version; } catch { return 'unknown'; }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
    throw new TypeError(`deploy: model name ${JSON.stringify(name)} must be letters, digits, '_', '-' or '.' and not start with '.'`);
  }
}

export async function deploy(model: DeployableModel, options: DeployOptions): Promise<DeployResult> {
  checkName(options.name);
  if (typeof model?.toTreelite !== 'function') throw new TypeError('deploy: the first argument must be a larch model (from loadModel, trainGbdt or trainForest)');
  const writer = typeof options.repository === 'string' ? new LocalRepositoryWriter(options.repository) : options.repository;
  const existing = await writer.listVersions(options.name);
  const version = options.version ?? (existing.length ? existing[existing.length - 1]! + 1 : 1);
  if (!Number.isInteger(version) || version < 1) throw new TypeError(`deploy: version must be a positive integer, got ${version}`);
  if (existing.includes(version)) throw new Error(`deploy: version ${version} of "${options.name}" already exists in ${writer.location}`);

  const classifier = model.task === 'binary' || model.task === 'multiclass';
  const predictProba = options.predictProba ?? classifier;
  const outputClass = options.outputClass ?? classifier;
  const outputDims = predictProba ? (model.task === 'binary' ? 2 : model.numOutput) : 1;
  const checkpoint = model.toTreelite();

  const trainingData = options.trainingData === undefined ? [] : Array.isArray(options.trainingData) ? options.trainingData : [options.trainingData];
  const dataHash = options.dataHash ?? (trainingData.length ? sha256(trainingData) : null);
  const lineage: Lineage = {
    model: options.name,
    version,
    flow: options.lineage?.flow ?? current.flowName ?? null,
    run_id: options.lineage?.runId ?? current.runId ?? null,
    step: options.lineage?.step ?? current.stepName ?? null,
    task: options.lineage?.task ?? current.taskId ?? null,
    pathspec: current.pathspec ?? null,
    datastore: current.datastoreRoot ?? null,
    data_hash: dataHash,
    data_artifacts: options.dataArtifacts ?? [],
    parameters: options.parameters ?? {},
    metrics: options.metrics ?? {},
    model_file: 'checkpoint.tl',
    model_sha256: sha256([checkpoint]),
    num_feature: model.numFeature,
    task_type: model.task,
    created_at: new Date().toISOString(),
    larch_version: larchVersion(),
  };
  if (lineage.pathspec === null && lineage.flow && lineage.run_id && lineage.step && lineage.task) {
    lineage.pathspec = `${lineage.flow}/${lineage.run_id}/${lineage.step}/${lineage.task}`;
  }

  const config = filConfigText({
    name: options.name,
    numFeature: model.numFeature,
    outputDims,
    modelType: 'treelite_checkpoint',
    outputClass,
    predictProba,
    threshold: options.threshold ?? 0.5,
    maxBatchSize: options.maxBatchSize ?? 8192,
    instanceCount: options.instanceCount ?? 1,
    maxQueueDelayUs: options.maxQueueDelayUs ?? 100,
  });
  // The version first, then the config: a server that sees the new config already has a
  // complete version under it (configs only change when the model's shape does).
  await writer.publishVersion(options.name, version, {
    'checkpoint.tl': checkpoint,
    'lineage.json': Buffer.from(JSON.stringify(lineage, null, 2) + '\n'),
  });
  await writer.writeModelFile(options.name, 'config.pbtxt', Buffer.from(config));
  return { name: options.name, version, location: writer.location, lineage };
}

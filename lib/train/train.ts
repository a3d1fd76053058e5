// trainGbdt / trainForest: native training off the JS thread, returning the same Model class
// that loadModel returns (predict, predictSync, toTreelite), so a trained model predicts,
// serialises and deploys like a loaded one.
import { Model } from '../forest/model.js';
import type { ForestHandle } from '../forest/native-forest.js';
import { addon } from '../native.js';
import type { Dataset } from './data.js';
import { checkInteger, checkNumber, invalidArgument, nativeError } from './errors.js';

/** One progress report: after each boosting round, or each finished forest tree. */
export interface TrainProgress {
  /** 0-based round (GBDT) or count of finished trees minus one (forest). */
  iteration: number;
  total: number;
  /** Validation metric after this round (GBDT with options.validation). */
  validScore?: number;
}

/** Return false from onProgress to cancel training (the promise rejects with code CANCELLED). */
export type ProgressCallback = (p: TrainProgress) => boolean | void;

/** Training data: column-major by default (x[feature * numRows + row]), or layout 'rows'. */
export type TrainInput = Pick<Dataset, 'x' | 'y' | 'numRows' | 'numFeatures'> & { layout?: 'columns' | 'rows' };

export interface GbdtOptions {
  objective?: 'binary:logistic' | 'multi:softprob' | 'multi:softmax' | 'reg:squarederror';
  /** Classes, for multi:* objectives. */
  numClass?: number;
  numRounds?: number;
  learningRate?: number;
  /** 0 = unlimited (growPolicy 'lossguide' with maxLeaves only). */
  maxDepth?: number;
  /** 0 = unlimited. */
  maxLeaves?: number;
  growPolicy?: 'depthwise' | 'lossguide';
  minChildWeight?: number;
  /** L2 regularisation on leaf weights. */
  regLambda?: number;
  /** L1 regularisation on leaf weights. */
  regAlpha?: number;
  /** Minimum loss reduction to split (min_split_gain). */
  gamma?: number;
  subsample?: number;
  colsampleBytree?: number;
  /** Bins per feature including the missing-value bin (3..256). */
  maxBin?: number;
  seed?: number;
  /** Training threads; 0 = all cores. */
  nthread?: number;
  validation?: TrainInput;
  earlyStoppingRounds?: number;
  evalMetric?: 'logloss' | 'auc' | 'error' | 'mlogloss' | 'merror' | 'rmse';
  valueType?: 'float32' | 'float64';
  onProgress?: ProgressCallback;
}

export interface ForestOptions {
  task?: 'classification' | 'regression';
  numClass?: number;
  numTrees?: number;
  criterion?: 'gini' | 'entropy' | 'squared_error';
  /** 0 = unlimited. */
  maxDepth?: number;
  minSamplesSplit?: number;
  minSamplesLeaf?: number;
  /** 'sqrt' | 'log2' | 'all', a fraction in (0, 1), or an integer count. */
  maxFeatures?: 'sqrt' | 'log2' | 'all' | number;
  bootstrap?: boolean;
  maxSamples?: number;
  maxBin?: number;
  seed?: number;
  nthread?: number;
  valueType?: 'float32' | 'float64';
  onProgress?: ProgressCallback;
}

/** What training reported besides the model (see trainingReport). */
export interface TrainingReport {
  kind: 'gbdt' | 'forest';
  numTrees: number;
  /** GBDT: rounds kept in the model (best iteration + 1 after early stopping). */
  rounds?: number;
  bestIteration?: number;
  bestScore?: number;
  metric?: string;
  validHistory?: number[];
  seconds: number;
}

interface NativeTrainResult {
  handle: ForestHandle;
  numTrees: number;
  rounds?: number;
  bestIteration?: number;
  bestScore?: number;
  metric?: string;
  validHistory?: number[];
}

interface NativeTrainModel {
  trainGbdt(train: TrainInput, valid: TrainInput | null, options: object, progress: ProgressCallback | null): Promise<NativeTrainResult>;
  trainForest(train: TrainInput, options: object, progress: ProgressCallback | null): Promise<NativeTrainResult>;
}
const native = addon as unknown as NativeTrainModel;

const reports = new WeakMap<Model, TrainingReport>();

/** The training report of a model trained in this process (undefined for loaded models). */
export function trainingReport(model: Model): TrainingReport | undefined {
  return reports.get(model);
}

function checkInput(name: string, d: TrainInput): TrainInput {
  if (typeof d !== 'object' || d === null) throw invalidArgument(`${name} must be a dataset {x, y, numRows, numFeatures}`);
  if (!(d.x instanceof Float32Array) || !(d.y instanceof Float32Array))
    throw invalidArgument(`${name}.x and ${name}.y must be Float32Arrays`);
  checkInteger(`${name}.numRows`, d.numRows, 1, 2 ** 32 - 2);
  checkInteger(`${name}.numFeatures`, d.numFeatures, 1);
  if (d.x.length !== d.numRows * d.numFeatures)
    throw invalidArgument(`${name}.x has ${d.x.length} values but numRows * numFeatures = ${d.numRows * d.numFeatures}`);
  if (d.y.length !== d.numRows) throw invalidArgument(`${name}.y has ${d.y.length} labels but numRows = ${d.numRows}`);
  const layout = d.layout ?? 'columns';
  if (layout !== 'columns' && layout !== 'rows') throw invalidArgument(`${name}.layout must be 'columns' or 'rows'`);
  if (layout === 'columns') return { x: d.x, y: d.y, numRows: d.numRows, numFeatures: d.numFeatures };
  const { numRows: n, numFeatures: nf } = d;
  const x = new Float32Array(n * nf);
  for (let r = 0; r < n; r++) for (let f = 0; f < nf; f++) x[f * n + r] = d.x[r * nf + f]!;
  return { x, y: d.y, numRows: n, numFeatures: nf };
}

function checkCommon(o: { seed?: number; nthread?: number; maxBin?: number; onProgress?: unknown }): void {
  if (o.seed !== undefined) checkInteger('seed', o.seed, 0);
  if (o.nthread !== undefined) checkInteger('nthread', o.nthread, 0, 4096);
  if (o.maxBin !== undefined) checkInteger('maxBin', o.maxBin, 3, 256);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalidArgument('onProgress must be a function');
}

/** Histogram gradient boosting (XGBoost-style hist). Resolves with a forest Model. */
export async function trainGbdt(data: TrainInput, options: GbdtOptions = {}): Promise<Model> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('trainGbdt: options must be an object');
  const train = checkInput('data', data);
  checkCommon(options);
  if (options.numRounds !== undefined) checkInteger('numRounds', options.numRounds, 1, 1e7);
  if (options.learningRate !== undefined) checkNumber('learningRate', options.learningRate, Number.MIN_VALUE, 1e6);
  const valid = options.validation ? checkInput('validation', options.validation) : null;
  if (valid && valid.numFeatures !== train.numFeatures)
    throw invalidArgument(`validation has ${valid.numFeatures} features; the training data has ${train.numFeatures}`);
  const { validation: _v, onProgress, ...rest } = options;
  const start = performance.now();
  let r: NativeTrainResult;
  try {
    r = await native.trainGbdt(train, valid, rest, onProgress ?? null);
  } catch (err) {
    throw nativeError(err);
  }
  const model = new Model(r.handle);
  reports.set(model, {
    kind: 'gbdt', numTrees: r.numTrees, rounds: r.rounds, bestIteration: r.bestIteration,
    bestScore: r.bestScore, metric: r.metric, validHistory: r.validHistory,
    seconds: (performance.now() - start) / 1000,
  });
  return model;
}

/** A random forest (scikit-learn semantics on binned data). Resolves with a forest Model. */
export async function trainForest(data: TrainInput, options: ForestOptions = {}): Promise<Model> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('trainForest: options must be an object');
  const train = checkInput('data', data);
  checkCommon(options);
  if (options.numTrees !== undefined) checkInteger('numTrees', options.numTrees, 1, 1e6);
  const { onProgress, ...rest } = options;
  const start = performance.now();
  let r: NativeTrainResult;
  try {
    r = await native.trainForest(train, rest, onProgress ?? null);
  } catch (err) {
    throw nativeError(err);
  }
  const model = new Model(r.handle);
  reports.set(model, { kind: 'forest', numTrees: r.numTrees, seconds: (performance.now() - start) / 1000 });
  return model;
}

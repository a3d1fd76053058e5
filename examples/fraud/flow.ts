// The fraud flow of larch's founding article, end to end:
//
//   start -> preprocess -> train (foreach over a grid of GBDTs and random forests, in parallel)
//         -> eval (join: compare on validation AUC, pick the best) -> deploy -> end
//
// Run it:   npx larch flow run examples/fraud/flow.ts [--param rows=50000] [--max-workers 2]
// Serve it: npx larch serve --model-repository model-repository
// Trace it: npx larch lineage fraud
import { createHash } from 'node:crypto';

import { auc, loadModel, makeClassification, rowMajor, trainForest, trainGbdt, trainTestSplit, type Dataset } from 'larch';
import { current, deploy, FlowSpec, Parameter, resources, step } from 'larch/flow';

/** One point of the model grid: a learner and its settings. */
interface Candidate {
  kind: 'gbdt' | 'forest';
  label: string;
  settings: Record<string, number | string>;
}

interface Result {
  label: string;
  kind: string;
  settings: Record<string, number | string>;
  validAuc: number;
  trees: number;
  seconds: number;
}

const sha256 = (...parts: ArrayBufferView[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex');
};

export default class FraudFlow extends FlowSpec {
  static params = {
    rows: Parameter.int(20000, 'transactions in the synthetic data set'),
    seed: Parameter.int(7, 'seed for the data, the split and the learners'),
    repository: Parameter.string('model-repository', 'the Triton model repository to deploy to'),
    modelName: Parameter.string('fraud', 'the model name in the repository'),
    threads: Parameter.int(1, 'training threads per learner (the grid already runs in parallel)'),
  };
  declare rows: number;
  declare seed: number;
  declare repository: string;
  declare modelName: string;
  declare threads: number;

  declare featureNames: string[];
  declare X: Float32Array;
  declare y: Float32Array;
  declare trainX: Float32Array;
  declare trainY: Float32Array;
  declare validX: Float32Array;
  declare validY: Float32Array;
  declare numTrain: number;
  declare numValid: number;
  declare numFeature: number;
  declare dataHash: string;
  declare grid: Candidate[];
  declare result: Result;
  declare modelBytes: Uint8Array;
  declare results: Result[];
  declare best: Result;
  declare bestModel: Uint8Array;
  declare deployment: { name: string; version: number; location: string };

  /** Transactions: imbalanced labels, informative, redundant, categorical and noise columns. */
  @step async start() {
    const ds = makeClassification({ rows: this.rows, categorical: 2, missingRate: 0.01, seed: this.seed });
    this.featureNames = ds.featureNames;
    this.X = ds.x;
    this.y = ds.y;
    this.numFeature = ds.numFeatures;
    const positives = ds.y.reduce((a, b) => a + b, 0);
    console.log(`${ds.numRows} transactions, ${ds.numFeatures} features, ${positives} frauds (${(100 * positives / ds.numRows).toFixed(1)}%)`);
    this.next(this.preprocess);
  }

  /**
   * A stratified train/validation split. Trees need no scaling and take the integer-coded
   * categorical columns as they are; missing values stay NaN (every learner routes them).
   */
  @step async preprocess() {
    const ds: Dataset = { featureNames: this.featureNames, numRows: this.y.length, numFeatures: this.numFeature, x: this.X, y: this.y };
    const { train, test } = trainTestSplit(ds, { testSize: 0.25, stratify: true, seed: this.seed });
    this.trainX = train.x;
    this.trainY = train.y;
    this.validX = test.x;
    this.validY = test.y;
    this.numTrain = train.numRows;
    this.numValid = test.numRows;
    this.dataHash = sha256(this.trainX, this.trainY);
    console.log(`train ${train.numRows} rows, validation ${test.numRows} rows; training data sha256 ${this.dataHash.slice(0, 16)}…`);
    this.grid = [
      { kind: 'gbdt', label: 'gbdt depth 4, 300 rounds', settings: { maxDepth: 4, numRounds: 300, learningRate: 0.1 } },
      { kind: 'gbdt', label: 'gbdt depth 6, 150 rounds', settings: { maxDepth: 6, numRounds: 150, learningRate: 0.1 } },
      { kind: 'gbdt', label: 'gbdt 31 leaves, lossguide', settings: { maxDepth: 0, maxLeaves: 31, growPolicy: 'lossguide', numRounds: 150, learningRate: 0.1 } },
      { kind: 'forest', label: 'forest 100 trees, depth 10', settings: { numTrees: 100, maxDepth: 10 } },
      { kind: 'forest', label: 'forest 100 trees, depth 16', settings: { numTrees: 100, maxDepth: 16, minSamplesLeaf: 2 } },
    ];
    this.next(this.train, { foreach: 'grid' });
  }

  /** One learner of the grid; the grid's tasks run in parallel worker processes. */
  @resources({ cpu: 1, memoryMb: 2000 })
  @step async train() {
    const c = this.input as Candidate;
    const train = { x: this.trainX, y: this.trainY, numRows: this.numTrain, numFeatures: this.numFeature };
    const valid = { x: this.validX, y: this.validY, numRows: this.numValid, numFeatures: this.numFeature };
    const t0 = performance.now();
    const model = c.kind === 'gbdt'
      ? await trainGbdt(train, { objective: 'binary:logistic', ...c.settings, seed: this.seed, nthread: this.threads, validation: valid, earlyStoppingRounds: 30, evalMetric: 'auc' } as Parameters<typeof trainGbdt>[1])
      : await trainForest(train, { task: 'classification', ...c.settings, seed: this.seed, nthread: this.threads } as Parameters<typeof trainForest>[1]);
    const seconds = (performance.now() - t0) / 1000;
    const scores = await model.predict(rowMajor(valid));
    // A random forest classifier scores both classes; the fraud probability is the second.
    const positive = scores.length === this.numValid ? scores : scores.filter((_, i) => i % 2 === 1);
    this.result = { label: c.label, kind: c.kind, settings: c.settings, validAuc: auc(this.validY, positive), trees: model.numTree, seconds };
    this.modelBytes = model.toTreelite();
    console.log(`${c.label}: validation AUC ${this.result.validAuc.toFixed(4)} (${model.numTree} trees, ${seconds.toFixed(1)} s)`);
    this.next(this.eval);
  }

  /** Join: the comparison table, and the best candidate by validation AUC. */
  @step async eval(inputs: FraudFlow[]) {
    this.results = inputs.map((t) => t.result);
    let bestIndex = 0;
    this.results.forEach((r, i) => { if (r.validAuc > this.results[bestIndex]!.validAuc) bestIndex = i; });
    this.best = this.results[bestIndex]!;
    this.bestModel = inputs[bestIndex]!.modelBytes;
    console.log('\n  candidate                        valid AUC   trees   train s');
    for (const r of [...this.results].sort((a, b) => b.validAuc - a.validAuc)) {
      console.log(`  ${(r === this.best ? '* ' : '  ') + r.label.padEnd(31)} ${r.validAuc.toFixed(4).padStart(9)} ${String(r.trees).padStart(7)} ${r.seconds.toFixed(1).padStart(9)}`);
    }
    console.log(`\nbest: ${this.best.label} (AUC ${this.best.validAuc.toFixed(4)})`);
    this.mergeArtifacts(inputs, { include: ['featureNames', 'trainX', 'trainY', 'validX', 'validY', 'numTrain', 'numValid', 'numFeature', 'dataHash'] });
    this.next(this.deploy);
  }

  /** Publishes the best model as the next version of the repository, with its lineage. */
  @step async deploy() {
    const model = await loadModel(this.bestModel, { format: 'treelite_checkpoint' });
    const d = await deploy(model, {
      repository: this.repository,
      name: this.modelName,
      trainingData: [this.trainX, this.trainY],
      dataArtifacts: ['trainX', 'trainY'],
      parameters: { learner: this.best.kind, ...this.best.settings, seed: this.seed, rows: this.rows },
      metrics: { valid_auc: this.best.validAuc },
    });
    this.deployment = { name: d.name, version: d.version, location: d.location };
    console.log(`deployed ${d.name} version ${d.version} to ${d.location} (run ${current.runId})`);
    this.next(this.end);
  }

  @step async end() {
    console.log(`model ${this.deployment.name}:${this.deployment.version} from run ${current.pathspec ?? ''}; trace it with: npx larch lineage ${this.deployment.name}:${this.deployment.version}`);
  }
}

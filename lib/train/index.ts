// The trainer's public API (re-exported from lib/index.ts).
export type { Table, Dataset, CsvOptions, MakeClassificationOptions, SplitOptions } from './data.js';
export { readCsv, parseCsv, datasetFromTable, makeClassification, selectRows, trainTestSplit, rowMajor } from './data.js';
export { auc, logloss, accuracy } from './metrics.js';
export type { GbdtOptions, ForestOptions, TrainInput, TrainProgress, ProgressCallback, TrainingReport } from './train.js';
export { trainGbdt, trainForest, trainingReport } from './train.js';

// The trainer's public API (re-exported from lib/index.ts).
export type { Table, Dataset, CsvOptions, MakeClassificationOptions, SplitOptions } from './data.js';
export { readCsv, parseCsv, datasetFromTable, makeClassification, selectRows, trainTestSplit, rowMajor } from './data.js';
export { auc, logloss, accuracy } from './metrics.js';
export { TrainArgumentError } from './errors.js';

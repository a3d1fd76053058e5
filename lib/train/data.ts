// Tabular data for training: CSV tables, datasets (features + label), the synthetic generator,
// and a deterministic train/test split. All matrices are column-major float32 with NaN for a
// missing value: x[feature * numRows + row].
import { nativeTrain } from './native-train.js';
import { checkInteger, checkNumber, invalidArgument, nativeError } from './errors.js';

/** A numeric table as read from CSV: `data[column * numRows + row]`. */
export interface Table {
  names: string[];
  numRows: number;
  data: Float32Array;
}

/** Features and one label per row, ready for trainGbdt / trainForest. */
export interface Dataset {
  featureNames: string[];
  numRows: number;
  numFeatures: number;
  /** Column-major: x[feature * numRows + row]; NaN = missing. */
  x: Float32Array;
  y: Float32Array;
}

export interface CsvOptions {
  /** One character; default ','. */
  delimiter?: string;
  /** The first record names the columns (default true); otherwise column_0, column_1, ... */
  header?: boolean;
}

function csvOptions(o: CsvOptions = {}): { delimiter: string; header: boolean } {
  const delimiter = o.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1)
    throw invalidArgument(`delimiter must be one character, got ${JSON.stringify(delimiter)}`);
  return { delimiter, header: o.header ?? true };
}

/** Reads a numeric CSV file off the JS thread. Errors name the line and column. */
export async function readCsv(path: string, options?: CsvOptions): Promise<Table> {
  if (typeof path !== 'string' || path === '') throw invalidArgument('readCsv: path must be a non-empty string');
  try {
    return await nativeTrain.trainReadCsv(path, csvOptions(options));
  } catch (err) {
    throw nativeError(err);
  }
}

/** Parses CSV text already in memory (same rules as readCsv). */
export async function parseCsv(text: string | Buffer, options?: CsvOptions): Promise<Table> {
  if (typeof text !== 'string' && !Buffer.isBuffer(text)) throw invalidArgument('parseCsv: text must be a string or Buffer');
  try {
    return await nativeTrain.trainParseCsv(text, csvOptions(options));
  } catch (err) {
    throw nativeError(err);
  }
}

/** Picks the label column (and optionally the feature columns, in order) out of a table. */
export function datasetFromTable(table: Table, label: string, features?: string[]): Dataset {
  const li = table.names.indexOf(label);
  if (li < 0) throw invalidArgument(`label column "${label}" is not in the table (columns: ${table.names.join(', ')})`);
  const names = features ?? table.names.filter((_, i) => i !== li);
  const idx = names.map((n) => {
    const i = table.names.indexOf(n);
    if (i < 0) throw invalidArgument(`feature column "${n}" is not in the table`);
    if (i === li) throw invalidArgument(`column "${n}" cannot be both the label and a feature`);
    return i;
  });
  const n = table.numRows;
  const x = new Float32Array(idx.length * n);
  idx.forEach((c, j) => x.set(table.data.subarray(c * n, (c + 1) * n), j * n));
  return { featureNames: names, numRows: n, numFeatures: idx.length, x, y: table.data.slice(li * n, (li + 1) * n) };
}

export interface MakeClassificationOptions {
  rows: number;
  /** Informative features (default 8): normals, every third observed as a skewed log-normal. */
  informative?: number;
  /** Redundant features (default 4): fixed random linear combinations of the informative ones. */
  redundant?: number;
  /** Categorical-ish integer columns (default 0); half of them carry per-category risk. */
  categorical?: number;
  /** Distinct values per categorical column (default 12), with skewed frequencies. */
  categories?: number;
  /** Pure noise features (default 8). */
  noise?: number;
  /** Fraction of positive labels (default 0.03); exactly round(rows * rate) positives. */
  positiveRate?: number;
  /** Std-dev of the noise on the latent risk score (default 2; higher = harder). */
  labelNoise?: number;
  /** Fraction of informative/redundant values set to NaN (default 0; doubled on positives). */
  missingRate?: number;
  seed?: number;
}

/**
 * A deterministic synthetic imbalanced binary classification table, shaped like fraud or loan
 * default data. Columns: inf_*, red_*, cat_*, noise_*. Same options + seed = same bytes.
 */
export function makeClassification(options: MakeClassificationOptions): Dataset {
  if (typeof options !== 'object' || options === null) throw invalidArgument('makeClassification: options must be an object');
  checkInteger('rows', options.rows, 2, 2 ** 31);
  if (options.seed !== undefined) checkInteger('seed', options.seed, 0);
  let t;
  try {
    t = nativeTrain.trainMakeClassification({
      rows: options.rows, informative: options.informative, redundant: options.redundant,
      categorical: options.categorical, categories: options.categories, noise: options.noise,
      positiveRate: options.positiveRate, labelNoise: options.labelNoise, missingRate: options.missingRate,
      seed: options.seed ?? 0,
    });
  } catch (err) {
    throw nativeError(err);
  }
  return { featureNames: t.names, numRows: t.numRows, numFeatures: t.names.length, x: t.x, y: t.y };
}

/** Rows `rows` of a dataset, in that order, as a new dataset. */
export function selectRows(ds: Dataset, rows: ArrayLike<number>): Dataset {
  const m = rows.length;
  const x = new Float32Array(ds.numFeatures * m);
  const y = new Float32Array(m);
  for (let f = 0; f < ds.numFeatures; f++) {
    const src = ds.x.subarray(f * ds.numRows, (f + 1) * ds.numRows);
    const dst = x.subarray(f * m, (f + 1) * m);
    for (let i = 0; i < m; i++) dst[i] = src[rows[i]!]!;
  }
  for (let i = 0; i < m; i++) y[i] = ds.y[rows[i]!]!;
  return { featureNames: ds.featureNames.slice(), numRows: m, numFeatures: ds.numFeatures, x, y };
}

/** Mulberry32: a tiny seeded PRNG, enough for shuffling rows reproducibly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SplitOptions {
  /** Fraction of rows in the test part (default 0.25). */
  testSize?: number;
  seed?: number;
  /** Keep each label's share equal in both parts (default true; use false for regression). */
  stratify?: boolean;
}

/** A reproducible shuffled split; row order inside each part stays ascending. */
export function trainTestSplit(ds: Dataset, options: SplitOptions = {}): { train: Dataset; test: Dataset } {
  const testSize = checkNumber('testSize', options.testSize ?? 0.25, 0, 1);
  const seed = checkInteger('seed', options.seed ?? 0, 0, 2 ** 32 - 1);
  const rand = mulberry32(seed);
  const groups = new Map<number, number[]>();
  const stratify = options.stratify ?? true;
  for (let r = 0; r < ds.numRows; r++) {
    const key = stratify ? ds.y[r]! : 0;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const test: number[] = [];
  const train: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(key)!;
    for (let i = g.length - 1; i > 0; i--) {  // Fisher-Yates
      const j = Math.floor(rand() * (i + 1));
      [g[i], g[j]] = [g[j]!, g[i]!];
    }
    const k = Math.round(g.length * testSize);
    test.push(...g.slice(0, k));
    train.push(...g.slice(k));
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  if (train.length === 0 || test.length === 0) throw invalidArgument('trainTestSplit: a part would be empty; change testSize');
  return { train: selectRows(ds, train), test: selectRows(ds, test) };
}

/** The features as a row-major matrix ([row][feature]), the layout predict() takes. */
export function rowMajor(ds: Pick<Dataset, 'x' | 'numRows' | 'numFeatures'>): Float32Array {
  const { numRows: n, numFeatures: nf } = ds;
  const out = new Float32Array(n * nf);
  for (let f = 0; f < nf; f++) {
    const col = ds.x.subarray(f * n, (f + 1) * n);
    for (let r = 0; r < n; r++) out[r * nf + f] = col[r]!;
  }
  return out;
}

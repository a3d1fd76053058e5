// Triton's classification extension: an output requested with classification = k (the output
// parameter's name on the wire, as tritonclient's InferRequestedOutput(class_count=k) sends it) is
// replaced by a BYTES tensor holding, per batch row, the k largest values as "value:index" strings (value
// printed like C's %f, six decimals), largest first; ties keep the lower index first.
import type { Tensor } from '../backends/types.js';
import { fromHalfBits } from './datatypes.js';
import { invalidArgument } from './errors.js';
import type { Parameters } from './infer-request.js';

/**
 * The class count an output's parameters ask for, or undefined. Triton's key is "classification"
 * (HTTP and gRPC alike); "class_count", the name of tritonclient's argument, is accepted too.
 */
export function requestedClassCount(params: Parameters, output: string): number | undefined {
  const key = params.classification !== undefined ? 'classification' : 'class_count';
  const k = params[key];
  if (k === undefined) return undefined;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) {
    throw invalidArgument(`output '${output}' parameter "${key}" must be a non-negative integer, got ${JSON.stringify(k)}`);
  }
  return k;
}

function formatScore(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Math.abs(v) >= 1e21) return BigInt(Math.trunc(v)).toString() + '.000000';
  return v.toFixed(6);
}

/**
 * Top-k classes of `tensor`. `batched`: the first dimension is the batch and each row is classified
 * on its own; otherwise the whole tensor is one row.
 */
export function classify(tensor: Tensor, classCount: number, batched: boolean, labels?: readonly string[]): Tensor {
  if (tensor.datatype === 'BYTES') throw invalidArgument(`class_count cannot be applied to output '${tensor.name}' of datatype BYTES`);
  const total = tensor.data.length;
  const rows = batched && tensor.shape.length > 0 ? tensor.shape[0]! : 1;
  const perRow = rows === 0 ? 0 : total / rows;
  const k = Math.min(classCount, perRow);
  const data = tensor.data as ArrayLike<number | bigint>;
  const value = tensor.datatype === 'FP16' ? (i: number) => fromHalfBits(Number(data[i])) : (i: number) => Number(data[i]);
  const out: Buffer[] = [];
  const order: number[] = new Array(perRow);
  for (let r = 0; r < rows; r++) {
    const base = r * perRow;
    for (let j = 0; j < perRow; j++) order[j] = j;
    order.sort((a, b) => {
      const d = value(base + b) - value(base + a);
      return d > 0 ? 1 : d < 0 ? -1 : a - b;
    });
    for (let j = 0; j < k; j++) {
      const idx = order[j]!;
      const label = labels?.[idx];
      out.push(Buffer.from(`${formatScore(value(base + idx))}:${idx}${label !== undefined ? `:${label}` : ''}`));
    }
  }
  return { name: tensor.name, datatype: 'BYTES', shape: batched ? [rows, k] : [k], data: out };
}

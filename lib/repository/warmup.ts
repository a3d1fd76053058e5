// model_warmup: sample requests a version must answer before it is marked ready (Triton runs
// them at load). Inputs are zeros, random values, or raw bytes from DIR/<model>/warmup/<file>.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import type { InferenceModel, Tensor, TensorData } from '../backends/types.js';
import { LarchError } from '../protocol/errors.js';
import { kserveDataType, type ModelConfig, type TritonDataType } from './model-config.js';

interface WarmupInput {
  data_type: TritonDataType;
  dims: number[];
  zero_data?: boolean;
  random_data?: boolean;
  input_data_file?: string;
}
interface Warmup { name: string; batch_size: number; inputs: Record<string, WarmupInput>; count: number }

const bytesPer: Record<string, number> = {
  BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8,
};

function typedArray(datatype: string, buf: ArrayBuffer, n: number): TensorData {
  switch (datatype) {
    case 'BOOL': case 'UINT8': return new Uint8Array(buf, 0, n);
    case 'INT8': return new Int8Array(buf, 0, n);
    case 'UINT16': case 'FP16': return new Uint16Array(buf, 0, n);
    case 'INT16': return new Int16Array(buf, 0, n);
    case 'UINT32': return new Uint32Array(buf, 0, n);
    case 'INT32': return new Int32Array(buf, 0, n);
    case 'FP32': return new Float32Array(buf, 0, n);
    case 'UINT64': return new BigUint64Array(buf, 0, n);
    case 'INT64': return new BigInt64Array(buf, 0, n);
    default: return new Float64Array(buf, 0, n);
  }
}

async function warmupTensor(cfg: ModelConfig, w: Warmup, name: string, input: WarmupInput, modelDir: string): Promise<Tensor> {
  const where = `model_warmup "${w.name}" input "${name}" (model "${cfg.name}")`;
  const datatype = kserveDataType(input.data_type);
  if (!datatype) throw new LarchError('INVALID_ARGUMENT', `${where}: data_type ${input.data_type} cannot be sent`);
  if (input.dims.some((d) => d < 0)) throw new LarchError('INVALID_ARGUMENT', `${where}: dims [${input.dims.join(', ')}] must be concrete`);
  const shape = cfg.max_batch_size > 0 ? [Math.max(1, w.batch_size), ...input.dims] : [...input.dims];
  const n = shape.reduce((a, b) => a * b, 1);
  if (datatype === 'BYTES') {
    if (!input.zero_data) throw new LarchError('UNSUPPORTED', `${where}: only zero_data is supported for TYPE_STRING`);
    return { name, datatype, shape, data: Array.from({ length: n }, () => Buffer.alloc(0)) };
  }
  const size = n * bytesPer[datatype]!;
  const buf = new ArrayBuffer(size);
  if (input.random_data) {
    randomFillSync(new Uint8Array(buf));
    if (datatype === 'FP32' || datatype === 'FP64') {
      const arr = typedArray(datatype, buf, n) as Float32Array | Float64Array;
      for (let i = 0; i < n; i++) arr[i] = Math.random();   // random bytes could be NaN/inf patterns
    } else if (datatype === 'BOOL') {
      const arr = new Uint8Array(buf);
      for (let i = 0; i < n; i++) arr[i] = arr[i]! & 1;
    }
  } else if (input.input_data_file) {
    const file = path.join(modelDir, 'warmup', input.input_data_file);
    const bytes = await readFile(file).catch((err: Error) => {
      throw new LarchError('INVALID_ARGUMENT', `${where}: cannot read ${file}: ${err.message}`);
    });
    if (bytes.length !== size) {
      throw new LarchError('INVALID_ARGUMENT', `${where}: ${file} holds ${bytes.length} bytes, shape [${shape.join(', ')}] needs ${size}`);
    }
    new Uint8Array(buf).set(bytes);
  } else if (!input.zero_data) {
    throw new LarchError('INVALID_ARGUMENT', `${where}: set one of zero_data, random_data or input_data_file`);
  }
  return { name, datatype, shape, data: typedArray(datatype, buf, n) };
}

/** Runs every model_warmup entry of `cfg` against `model`; throws what the first failure threw. */
export async function runWarmup(cfg: ModelConfig, model: InferenceModel, modelDir: string): Promise<void> {
  for (const w of cfg.model_warmup as Warmup[]) {
    const tensors: Tensor[] = [];
    for (const [name, input] of Object.entries(w.inputs)) tensors.push(await warmupTensor(cfg, w, name, input, modelDir));
    const count = Math.max(1, w.count);
    for (let i = 0; i < count; i++) {
      try {
        await model.infer(tensors);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new LarchError('INVALID_ARGUMENT', `model_warmup "${w.name}" failed (model "${cfg.name}"): ${message}`);
      }
    }
  }
}

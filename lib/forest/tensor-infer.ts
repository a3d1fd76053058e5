// Model.infer for forests: the KServe tensor interface every larch model shares, with the
// tensor names Triton's FIL backend uses (input__0 -> output__0), so code written against
// `infer` runs forest and ONNX models alike.
import type { Tensor } from '../backends/types.js';
import { invalidArgument } from '../protocol/errors.js';
import type { Model } from './model.js';

/** input__0 [rows, numFeature] (FP32 or FP64, NaN = missing) -> output__0 [rows, numOutput] (predict's 'value'). */
export async function inferForest(model: Model, inputs: Tensor[]): Promise<Tensor[]> {
  if (!Array.isArray(inputs) || inputs.length !== 1 || inputs[0]?.name !== 'input__0') {
    const names = Array.isArray(inputs) ? inputs.map((t) => `'${t?.name}'`).join(', ') : typeof inputs;
    throw invalidArgument(`a forest model takes one input, 'input__0' [rows, ${model.numFeature}]; got ${names || 'none'}`);
  }
  const x = inputs[0];
  const ok = (x.datatype === 'FP32' && x.data instanceof Float32Array) || (x.datatype === 'FP64' && x.data instanceof Float64Array);
  if (!ok) {
    throw invalidArgument(`input__0 must be FP32 (a Float32Array) or FP64 (a Float64Array), got ${x.datatype} in a ${x.data?.constructor?.name}`);
  }
  const [rows, features] = x.shape;
  if (x.shape.length !== 2 || features !== model.numFeature || !Number.isInteger(rows) || rows! < 0) {
    throw invalidArgument(`input__0 has shape [${x.shape.join(',')}], the model expects [rows, ${model.numFeature}]`);
  }
  if (x.data.length !== rows! * features!) {
    throw invalidArgument(`input__0 has shape [${x.shape.join(',')}] (${rows! * features!} values), its data holds ${x.data.length}`);
  }
  const out = await model.predict(x.data as Float32Array | Float64Array, { rows: rows! });
  return [{ name: 'output__0', datatype: out instanceof Float64Array ? 'FP64' : 'FP32', shape: [rows!, model.numOutput], data: out }];
}

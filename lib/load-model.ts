// loadModel: one entry point for every model file larch reads. `.onnx` files (or
// { format: 'onnx' }) become ONNX models run by ONNX Runtime; everything else goes to the
// forest loaders (XGBoost, LightGBM, Treelite). Both kinds answer infer(inputs: Tensor[]).
import { loadModel as loadForestModel, type LoadModelOptions as ForestLoadOptions, type Model } from './forest/index.js';
import { loadOnnxModel, type LoadOnnxOptions } from './onnx/load.js';
import type { OnnxModel } from './onnx/model.js';

export type OnnxLoadModelOptions = LoadOnnxOptions & { format: 'onnx' };
export type LoadModelOptions = ForestLoadOptions | OnnxLoadModelOptions;

const isOnnx = (source: unknown, options: unknown): boolean =>
  (typeof options === 'object' && options !== null && (options as { format?: unknown }).format === 'onnx') ||
  (typeof source === 'string' && /\.onnx$/i.test(source));

/**
 * Loads a model file or its bytes. The static type follows the path when it is a literal ending
 * in `.onnx`, or `{ format: 'onnx' }`; a path in a plain `string` variable is typed as a forest
 * Model even when it names an .onnx file at run time: use `{ format: 'onnx' }` (or
 * loadOnnxModel) there, or only call `infer`, which both kinds have.
 */
export function loadModel(path: `${string}.onnx`, options?: LoadOnnxOptions & { format?: 'onnx' }): Promise<OnnxModel>;
export function loadModel(source: string | Uint8Array | ArrayBuffer, options: OnnxLoadModelOptions): Promise<OnnxModel>;
export function loadModel(source: string | Uint8Array | ArrayBuffer, options?: ForestLoadOptions): Promise<Model>;
export function loadModel(source: string | Uint8Array | ArrayBuffer, options?: LoadModelOptions): Promise<Model | OnnxModel> {
  if (isOnnx(source, options)) {
    const { format: _format, ...onnxOptions } = (options ?? {}) as OnnxLoadModelOptions;
    return loadOnnxModel(source instanceof ArrayBuffer ? new Uint8Array(source) : source, onnxOptions);
  }
  return loadForestModel(source, options as ForestLoadOptions | undefined);
}

// The Triton FIL backend's model_type parameter and the model file it reads by default in each
// version folder (its model_config documentation), plus finding the backend of a model that
// has no config.pbtxt from the files in its newest version folder.
import { readdir } from 'node:fs/promises';
import { configParameter, type ModelConfig } from './model-config.js';

/** model_type -> default file name (FIL's defaults; default_model_filename overrides). */
export const FIL_MODEL_FILES: Readonly<Record<string, string>> = {
  xgboost: 'xgboost.model',
  xgboost_json: 'xgboost.json',
  xgboost_ubj: 'xgboost.ubj',
  lightgbm: 'model.txt',
  treelite_checkpoint: 'checkpoint.tl',
};

/** The FIL model_type of a config; FIL's default is "xgboost" (the legacy binary format). */
export function filModelType(config: ModelConfig): string {
  return configParameter(config, 'model_type') ?? 'xgboost';
}

/** The file FIL reads for this config when default_model_filename is empty. */
export function filDefaultModelFilename(config: ModelConfig): string {
  return FIL_MODEL_FILES[filModelType(config)] ?? 'xgboost.model';
}

/**
 * For a config that names no backend or platform: the backend its files imply (model.onnx ->
 * onnxruntime, as Triton auto-detects; a FIL default file name -> fil with that model_type,
 * larch's extension), completing `config` in place. Returns false when nothing matches.
 */
export async function detectBackend(config: ModelConfig, versionDir: string): Promise<boolean> {
  if (config.backend || config.platform) return true;
  const names = new Set(await readdir(versionDir).catch(() => [] as string[]));
  const onnxFile = config.default_model_filename || 'model.onnx';
  if (onnxFile.endsWith('.onnx') && names.has(onnxFile)) {
    config.backend = 'onnxruntime';
    config.platform = 'onnxruntime_onnx';
    return true;
  }
  const given = configParameter(config, 'model_type');
  for (const [modelType, file] of Object.entries(FIL_MODEL_FILES)) {
    if (given !== undefined && given !== modelType) continue;
    // Without model_type, only FIL's own default file names say which format a file is.
    if (given === undefined && config.default_model_filename && config.default_model_filename !== file) continue;
    if (!names.has(config.default_model_filename || file)) continue;
    config.backend = 'fil';
    if (given === undefined) config.parameters.model_type = { string_value: modelType };
    return true;
  }
  return false;
}

// config.pbtxt (or a JSON override) -> the effective ModelConfig: parse, then normalize the way
// Triton does before auto-complete and validation (name from the directory, backend from the
// platform, default version policy, instance groups, preferred batch sizes, pinned memory) and
// print every primitive field, as Triton's config endpoint does.
import { LarchError } from '../protocol/errors.js';
import type { ModelConfig, ModelInstanceGroup } from './model-config.js';
import { parseTextFormat } from './pbtxt/parser.js';
import { readJsonMessage } from './pbtxt/json-reader.js';
import { ModelConfigSchema } from './pbtxt/model-config-schema.js';
import { type JsonObject, subMessage, withDefaults } from './pbtxt/schema.js';
import { backendOfPlatform } from './backend-registry.js';

/** Parses config.pbtxt text; `file` names it in errors ("file:line:column: ..."). */
export function parseConfigText(text: string, file: string): JsonObject {
  return parseTextFormat(text, file, ModelConfigSchema);
}

/** Parses a JSON model config (Triton's `config` load parameter). */
export function parseConfigJson(text: string, origin: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LarchError('INVALID_ARGUMENT', `${origin}: not valid JSON: ${(err as Error).message}`);
  }
  return readJsonMessage(ModelConfigSchema, value, origin);
}

/** Fills every primitive field, repeated field and map that `raw` leaves out. */
export function withConfigDefaults(raw: JsonObject): ModelConfig {
  return withDefaults(ModelConfigSchema, raw) as unknown as ModelConfig;
}

/**
 * Triton's normalization (NormalizeModelConfig + NormalizeInstanceGroup on a machine without
 * GPUs) and server-side backend auto-fill. `modelName` is the repository directory's name.
 */
export function normalizeModelConfig(raw: JsonObject, modelName: string): ModelConfig {
  const given = typeof raw.name === 'string' ? raw.name : '';
  if (given !== '' && given !== modelName) {
    throw new LarchError('INVALID_ARGUMENT',
      `config names the model "${given}" but its directory is "${modelName}"; the two must match`);
  }
  const cfg = withConfigDefaults({ ...raw, name: modelName });
  if (!cfg.backend && cfg.platform) cfg.backend = backendOfPlatform(cfg.platform);
  if (cfg.backend === 'onnxruntime' && !cfg.platform) cfg.platform = 'onnxruntime_onnx';
  if (!cfg.version_policy) cfg.version_policy = { latest: { num_versions: 1 } };
  if (cfg.dynamic_batching && cfg.dynamic_batching.preferred_batch_size.length === 0 && cfg.max_batch_size > 0) {
    cfg.dynamic_batching.preferred_batch_size = [cfg.max_batch_size];
  }
  if (!cfg.ensemble_scheduling) {
    const opt = (cfg.optimization ??= withDefaults(subMessage(ModelConfigSchema, 'optimization'), {}));
    opt.input_pinned_memory ??= { enable: true };
    opt.output_pinned_memory ??= { enable: true };
  }
  if (cfg.instance_group.length === 0) {
    cfg.instance_group.push(withDefaults(subMessage(ModelConfigSchema, 'instance_group'), { name: modelName }) as ModelInstanceGroup);
  }
  cfg.instance_group.forEach((group, i) => {
    if (!group.name) group.name = `${modelName}_${i}`;
    // larch's evaluators run on the CPU: KIND_AUTO resolves as Triton resolves it with no GPU.
    if (group.kind === 'KIND_AUTO') group.kind = 'KIND_CPU';
    // The default count depends on the backend (Triton: 2 CPU instances for onnxruntime); a
    // backend found later from the model's files fills it in on the second normalization.
    if (group.count < 1 && (cfg.backend || cfg.platform)) group.count = group.kind === 'KIND_CPU' && cfg.backend === 'onnxruntime' ? 2 : 1;
  });
  return cfg;
}

// Validation of an effective (normalized, auto-completed) ModelConfig. Each rule is one check
// whose message states the rule, the offending value and the model, like Triton's
// ValidateModelConfig. Features larch does not implement are refused here (UNSUPPORTED) rather
// than silently ignored.
import { LarchError } from '../protocol/errors.js';
import { kserveDataType, type ModelConfig, type ModelInputConfig, type ModelOutputConfig } from './model-config.js';

const bad = (cfg: ModelConfig, rule: string) => new LarchError('INVALID_ARGUMENT', `${rule} (model "${cfg.name}")`);
const unsupported = (cfg: ModelConfig, what: string) =>
  new LarchError('UNSUPPORTED', `${what} is not supported by larch (model "${cfg.name}")`);

type Rule = (cfg: ModelConfig) => void;

const rules: Rule[] = [
  function scheduling(cfg) {
    if (cfg.sequence_batching) throw unsupported(cfg, 'sequence_batching (stateful models)');
    if (cfg.ensemble_scheduling || cfg.platform === 'ensemble') throw unsupported(cfg, 'ensemble_scheduling (platform "ensemble")');
    if (cfg.model_transaction_policy?.decoupled) throw unsupported(cfg, 'model_transaction_policy { decoupled: true }');
  },
  function backendPresent(cfg) {
    if (!cfg.backend && !cfg.platform) throw bad(cfg, `must specify 'platform' or 'backend'`);
  },
  function maxBatchSize(cfg) {
    if (cfg.max_batch_size < 0) throw bad(cfg, `max_batch_size ${cfg.max_batch_size} must be >= 0`);
  },
  function versionPolicy(cfg) {
    const vp = cfg.version_policy;
    if (vp?.latest && vp.latest.num_versions < 1) {
      throw bad(cfg, `version_policy latest num_versions ${vp.latest.num_versions} must be >= 1`);
    }
    for (const v of vp?.specific?.versions ?? []) {
      if (v < 1) throw bad(cfg, `version_policy specific version ${v} must be >= 1`);
    }
    if (vp?.specific && vp.specific.versions.length === 0) throw bad(cfg, 'version_policy specific lists no versions');
  },
  function dynamicBatching(cfg) {
    const db = cfg.dynamic_batching;
    if (!db) return;
    for (const size of db.preferred_batch_size) {
      if (size <= 0) throw bad(cfg, `preferred_batch_size ${size} must be positive`);
      if (size > cfg.max_batch_size) throw bad(cfg, `preferred_batch_size ${size} exceeds max_batch_size ${cfg.max_batch_size}`);
    }
    // uint64 fields beyond 2^53-1 arrive as decimal strings (model-config.ts): compare as BigInt.
    const levels = BigInt(db.priority_levels);
    const defaultLevel = BigInt(db.default_priority_level);
    if (levels !== 0n) {
      if (defaultLevel === 0n || defaultLevel > levels) {
        throw bad(cfg, `default_priority_level ${db.default_priority_level} must be in [1, ${db.priority_levels}] (priority_levels)`);
      }
      for (const level of Object.keys(db.priority_queue_policy)) {
        const n = BigInt(level);
        if (n === 0n || n > levels) throw bad(cfg, `priority_queue_policy level ${level} must be in [1, ${db.priority_levels}]`);
      }
    }
    if (db.preserve_ordering) {
      if (levels > 1n) throw bad(cfg, `preserve_ordering allows one priority level, got priority_levels ${db.priority_levels}`);
      const policies = [db.default_queue_policy, ...Object.values(db.priority_queue_policy)];
      for (const p of policies) {
        if (p && BigInt(p.default_timeout_microseconds) !== 0n && p.timeout_action === 'DELAY') {
          throw bad(cfg, 'a queue policy cannot use timeout_action DELAY when preserve_ordering is true');
        }
      }
    }
  },
  function instanceGroups(cfg) {
    const names = new Set<string>();
    for (const g of cfg.instance_group) {
      if (names.has(g.name)) throw bad(cfg, `instance_group name "${g.name}" is used twice`);
      names.add(g.name);
      if (g.count < 1) throw bad(cfg, `instance_group "${g.name}" count ${g.count} must be >= 1`);
      if (g.kind !== 'KIND_GPU' && g.gpus.length > 0) {
        throw bad(cfg, `instance_group "${g.name}" lists gpus [${g.gpus.join(', ')}] but its kind is ${g.kind}`);
      }
    }
  },
  function tensors(cfg) {
    checkTensors(cfg, 'input', cfg.input);
    checkTensors(cfg, 'output', cfg.output);
    for (const input of cfg.input) {
      if ((input.format === 'FORMAT_NHWC' || input.format === 'FORMAT_NCHW') && input.dims.length !== 3) {
        throw bad(cfg, `input "${input.name}" has format ${input.format}, which needs 3 dims, got [${input.dims.join(', ')}]`);
      }
    }
  },
  function responseCacheCombinations(cfg) {
    if (cfg.response_cache?.enable && cfg.model_transaction_policy?.decoupled) {
      throw bad(cfg, 'response_cache cannot be enabled for a decoupled model');
    }
  },
];

function checkTensors(cfg: ModelConfig, kind: 'input' | 'output', tensors: Array<ModelInputConfig | ModelOutputConfig>): void {
  const seen = new Set<string>();
  tensors.forEach((t, i) => {
    if (!t.name) throw bad(cfg, `${kind} #${i} must specify 'name'`);
    if (seen.has(t.name)) throw bad(cfg, `${kind} "${t.name}" is declared twice`);
    seen.add(t.name);
    if (t.data_type === 'TYPE_INVALID') throw bad(cfg, `${kind} "${t.name}" must specify 'data_type'`);
    if (!kserveDataType(t.data_type)) throw unsupported(cfg, `${kind} "${t.name}" data_type ${t.data_type}`);
    if (t.is_shape_tensor) throw unsupported(cfg, `${kind} "${t.name}" is_shape_tensor (TensorRT only)`);
    // Triton requires dims; larch also accepts [] in a batching model (one scalar per batch
    // element), which is what a rank-1 model tensor auto-completes to.
    if (t.dims.length === 0 && cfg.max_batch_size === 0) {
      throw bad(cfg, `${kind} "${t.name}" must specify 'dims' (a model with max_batch_size 0 has no batch dimension to stand on)`);
    }
    for (const d of [...t.dims, ...(t.reshape?.shape ?? [])]) {
      if (typeof d !== 'number') throw bad(cfg, `${kind} "${t.name}" dimension ${d} is too large`);
    }
    for (const d of t.dims) {
      if (d < 1 && d !== -1) throw bad(cfg, `${kind} "${t.name}" dimension ${d} must be >= 1, or -1 for a variable-size dimension`);
    }
    if (t.reshape) {
      if (t.reshape.shape.length === 0 && cfg.max_batch_size === 0) {
        throw bad(cfg, `${kind} "${t.name}" cannot have an empty reshape in a model that does not batch (max_batch_size 0)`);
      }
      for (const d of t.reshape.shape) {
        if (d < 1 && d !== -1) throw bad(cfg, `${kind} "${t.name}" reshape dimension ${d} must be >= 1, or -1`);
      }
      if (!sameElementCounts(t.dims, t.reshape.shape)) {
        throw bad(cfg, `${kind} "${t.name}" dims [${t.dims.join(', ')}] and reshape [${t.reshape.shape.join(', ')}] hold different element counts`);
      }
    }
  });
}

// dims and reshape must agree chunk by chunk between variable-size (-1) dimensions, e.g.
// [2, 4, -1, 6] -> [8, -1, 1, 6]. An empty reshape stands for a single element.
function sameElementCounts(dims: number[], shape: number[]): boolean {
  const chunks = (xs: number[]) => {
    const out = [1];
    for (const x of xs) {
      if (x === -1) out.push(1);
      else out[out.length - 1]! *= x;
    }
    return out;
  };
  const a = chunks(dims);
  const b = chunks(shape);
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Throws a LarchError for the first rule `cfg` breaks. */
export function validateModelConfig(cfg: ModelConfig): void {
  for (const rule of rules) rule(cfg);
}

// The ModelConfig RPC against the HTTP /config endpoint: a fil model whose config.pbtxt sets
// nearly every part of Triton's ModelConfig (optimization, rate limiter, secondary devices,
// batch inputs/outputs, warmup, priority queue policies, repository agents, metrics, ...) must
// come back over gRPC with every field the HTTP JSON shows, and the same value.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LarchServer } from '../../lib/index.js';
import { filCases, tempRepository } from './fixture-repo.js';
import type { InferenceClient } from './grpc-client.js';
import { startServing, stopServing } from './e2e-server.js';

const MODEL = 'xgb_reg_squarederror';

const CONFIG = `
backend: "fil"
max_batch_size: 32
version_policy { specific { versions: [ 1 ] } }
default_model_filename: "xgboost.json"
cc_model_filenames { key: "8.6" value: "xgboost.json" }
metric_tags { key: "team" value: "fraud" }
input [ { name: "input__0" data_type: TYPE_FP32 dims: [ 10 ] allow_ragged_batch: false is_non_linear_format_io: false } ]
output [ { name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] } ]
batch_input [ { kind: BATCH_ACCUMULATED_ELEMENT_COUNT target_name: [ "INDEX" ] data_type: TYPE_INT32 source_input: [ "input__0" ] } ]
batch_output [ { target_name: [ "output__0" ] kind: BATCH_SCATTER_WITH_INPUT_SHAPE source_input: [ "input__0" ] } ]
optimization {
  graph { level: 1 }
  priority: PRIORITY_MAX
  cuda {
    busy_wait_events: true
    graph_spec [ { batch_size: 4
                   input { key: "input__0" value { dim: [ 4, 10 ] } }
                   graph_lower_bound { batch_size: 1 input { key: "input__0" value { dim: [ 1, 10 ] } } } } ]
  }
  execution_accelerators {
    cpu_execution_accelerator [ { name: "openvino" parameters { key: "precision" value: "FP32" } } ]
    gpu_execution_accelerator [ { name: "tensorrt" parameters [ { key: "max_workspace_size_bytes" value: "1073741824" } ] } ]
  }
  input_pinned_memory { enable: false }
  output_pinned_memory { enable: true }
  gather_kernel_buffer_threshold: 4
  eager_batching: true
}
dynamic_batching {
  preferred_batch_size: [ 8, 16 ]
  max_queue_delay_microseconds: 100
  default_queue_policy { timeout_action: REJECT default_timeout_microseconds: 5000000 allow_timeout_override: true max_queue_size: 64 }
  priority_queue_policy { key: 1 value { default_timeout_microseconds: 18446744073709551615 max_queue_size: 8 } }
}
instance_group [ {
  name: "cpus" kind: KIND_CPU count: 2
  rate_limiter { resources [ { name: "R1" global: true count: 2 }, { name: "R2" count: 1 } ] priority: 3 }
  secondary_devices [ { kind: KIND_NVDLA device_id: 1 } ]
  profile: [ "p1" ]
  host_policy: "numa0"
} ]
parameters [ { key: "model_type" value: { string_value: "xgboost_json" } },
             { key: "output_class" value: { string_value: "false" } },
             { key: "note" value: { string_value: "served by larch" } } ]
model_warmup [ { name: "zeros" batch_size: 2 count: 1
                 inputs { key: "input__0" value { data_type: TYPE_FP32 dims: [ 10 ] zero_data: true } } } ]
model_operations { op_library_filename: [ "libcustom_ops.so" ] }
model_transaction_policy { decoupled: false }
model_repository_agents { agents [ { name: "relocation" parameters { key: "target" value: "/tmp" } } ] }
response_cache { enable: false }
model_metrics { metric_control [ { metric_identifier { family: "nv_inference_request_duration_us" }
                                   histogram_options { buckets: [ 0.5, 10, 250 ] } } ] }
`;

/** oneof groups of model_config.proto: proto-loader adds each as a virtual field naming the member set. */
const ONEOFS = new Set(['policy_choice', 'scheduling_choice', 'input_data_type', 'state_data', 'strategy_choice', 'metric_options']);

/**
 * A map<uint64, ...> key decoded by protobufjs (under proto-loader) is its 8-character "long
 * hash", one character per little-endian byte; the JSON mapping prints the decimal form.
 */
function u64Key(k: string): string {
  if (/^\d+$/.test(k)) return k;
  let n = 0n;   // little-endian bytes, one per character
  for (let i = 0; i < k.length; i++) n |= BigInt(k.charCodeAt(i)) << BigInt(8 * i);
  return n.toString();
}

/**
 * Every field of `http` (the /config JSON) must appear in `grpc` (the decoded ModelConfig, longs
 * as strings, defaults filled) with the same value; integers compare by their decimal form since
 * the JSON prints some 64-bit fields as strings. A field only the gRPC side has must be an unset
 * message (null) or a oneof marker. Returns the differences found, as paths.
 */
function differences(http: unknown, grpc: unknown, at: string, out: string[], mapKeys?: (k: string) => string): string[] {
  if (http !== null && typeof http === 'object' && !Array.isArray(http)) {
    if (grpc === null || typeof grpc !== 'object' || Array.isArray(grpc)) { out.push(`${at}: ${JSON.stringify(http)} vs ${JSON.stringify(grpc)}`); return out; }
    const g = Object.fromEntries(Object.entries(grpc as Record<string, unknown>).map(([k, v]) => [mapKeys ? mapKeys(k) : k, v]));
    for (const [k, v] of Object.entries(http)) {
      if (!(k in g)) { out.push(`${at}.${k}: missing over gRPC (HTTP has ${JSON.stringify(v)})`); continue; }
      differences(v, g[k], `${at}.${k}`, out, k === 'priority_queue_policy' ? u64Key : undefined);
    }
    for (const [k, v] of Object.entries(g)) {
      if (k in (http as object)) continue;
      if (v === null || (ONEOFS.has(k) && typeof v === 'string')) continue;
      out.push(`${at}.${k}: only over gRPC (${JSON.stringify(v)})`);
    }
    return out;
  }
  if (Array.isArray(http)) {
    if (!Array.isArray(grpc) || grpc.length !== http.length) { out.push(`${at}: ${JSON.stringify(http)} vs ${JSON.stringify(grpc)}`); return out; }
    http.forEach((v, i) => differences(v, grpc[i], `${at}[${i}]`, out));
    return out;
  }
  const same = typeof http === 'number' || typeof grpc === 'number' ? String(http) === String(grpc) : http === grpc;
  if (!same) out.push(`${at}: HTTP ${JSON.stringify(http)} vs gRPC ${JSON.stringify(grpc)}`);
  return out;
}

let root = '';
let server: LarchServer;
let base = '';
let grpc: InferenceClient;

before(async () => {
  root = tempRepository();
  filCases(root, ['xgb_reg_squarederror.value']);
  writeFileSync(path.join(root, MODEL, 'config.pbtxt'), CONFIG);
  ({ server, base, grpc } = await startServing(root));
});
after(() => stopServing({ server, grpc }, root));

describe('ModelConfig over gRPC', () => {
  it('the model with the full config loads', async () => {
    const r = await fetch(`${base}/v2/repository/index`, { method: 'POST', body: '{}' });
    const idx = await r.json() as Array<{ name: string; state: string; reason?: string }>;
    const e = idx.find((x) => x.name === MODEL);
    assert.equal(e?.state, 'READY', e?.reason);
  });

  it('carries every field of the HTTP config JSON, with the same values', async () => {
    const http = await (await fetch(`${base}/v2/models/${MODEL}/config`)).json() as Record<string, unknown>;
    const { config } = await grpc.call('ModelConfig', { name: MODEL });
    // The fields this test is about are really in the HTTP JSON (so the comparison covers them).
    for (const f of ['optimization', 'batch_input', 'batch_output', 'model_operations', 'model_repository_agents', 'model_metrics', 'model_warmup', 'dynamic_batching', 'instance_group', 'parameters', 'version_policy']) {
      assert.ok(http[f] !== undefined, `HTTP config lacks ${f}`);
    }
    assert.deepEqual(differences(http, config, 'config', []), []);
  });

  it('spot checks of the decoded message', async () => {
    const { config: c } = await grpc.call('ModelConfig', { name: MODEL, version: '1' });
    assert.deepEqual(c.optimization.input_pinned_memory, { enable: false });
    assert.deepEqual(c.optimization.output_pinned_memory, { enable: true });
    assert.equal(c.optimization.priority, 'PRIORITY_MAX');
    assert.deepEqual(c.optimization.execution_accelerators.cpu_execution_accelerator, [{ name: 'openvino', parameters: { precision: 'FP32' } }]);
    assert.deepEqual(c.optimization.cuda.graph_spec[0].input.input__0.dim, ['4', '10']);
    assert.deepEqual(c.instance_group[0].rate_limiter, { resources: [{ name: 'R1', global: true, count: 2 }, { name: 'R2', global: false, count: 1 }], priority: 3 });
    assert.deepEqual(c.instance_group[0].secondary_devices, [{ kind: 'KIND_NVDLA', device_id: '1' }]);
    assert.equal(c.batch_input[0].kind, 'BATCH_ACCUMULATED_ELEMENT_COUNT');
    assert.deepEqual(c.batch_output[0].target_name, ['output__0']);
    assert.equal(c.scheduling_choice, 'dynamic_batching');
    const pq = c.dynamic_batching.priority_queue_policy as Record<string, { max_queue_size: number; default_timeout_microseconds: string }>;
    assert.deepEqual(Object.keys(pq).map(u64Key), ['1']);
    assert.equal(Object.values(pq)[0]!.max_queue_size, 8);
    assert.equal(Object.values(pq)[0]!.default_timeout_microseconds, '18446744073709551615');   // exact beyond 2^53
    assert.deepEqual(c.version_policy, { specific: { versions: ['1'] }, policy_choice: 'specific' });
    assert.equal(c.parameters.note.string_value, 'served by larch');
    assert.equal(c.model_warmup[0].inputs.input__0.zero_data, true);
    assert.deepEqual(c.model_operations.op_library_filename, ['libcustom_ops.so']);
    assert.deepEqual(c.model_repository_agents.agents, [{ name: 'relocation', parameters: { target: '/tmp' } }]);
    assert.deepEqual(c.model_metrics.metric_control[0].histogram_options.buckets, [0.5, 10, 250]);
    assert.equal(c.model_metrics.metric_control[0].metric_identifier.family, 'nv_inference_request_duration_us');
    assert.deepEqual(c.input[0].dims, ['10']);
    assert.equal(c.input[0].is_non_linear_format_io, false);
  });
});

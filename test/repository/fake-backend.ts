// A backend for repository tests: the model file (model.fake) is JSON
//   { "scale": 2, "fail": "reason to refuse loading", "inputs": 3 }
// and the model multiplies its FP32 input by `scale`. Every load, unload and infer is recorded,
// and infer can be held open (`hold`) to test version swaps under traffic.
import { readFile } from 'node:fs/promises';
import type { InferenceModel, ModelStats, Tensor } from '../../lib/backends/types.js';
import { LarchError } from '../../lib/protocol/errors.js';
import type { Backend, BackendLoadContext } from '../../lib/repository/backend-registry.js';
import type { ModelConfig } from '../../lib/repository/model-config.js';

export interface FakeEvents {
  loads: string[];
  unloads: string[];
  infers: string[];
}

export const events: FakeEvents = { loads: [], unloads: [], infers: [] };
export function resetEvents(): void {
  events.loads.length = 0;
  events.unloads.length = 0;
  events.infers.length = 0;
}

/** While set, infer waits for this promise before answering. */
export const control: { hold: Promise<void> | undefined } = { hold: undefined };

const zero = () => ({ count: 0, ns: 0 });

async function readSpec(ctx: BackendLoadContext): Promise<{ scale: number; fail?: string; inputs?: number }> {
  return JSON.parse(await readFile(ctx.modelPath, 'utf8')) as { scale: number; fail?: string; inputs?: number };
}

export const fakeBackend: Backend = {
  name: 'fake',
  platforms: ['fake_platform'],
  metadataPlatform: () => 'fake_platform',
  defaultModelFilename: () => 'model.fake',
  async autoComplete(config: ModelConfig, ctx: BackendLoadContext): Promise<ModelConfig> {
    const spec = await readSpec(ctx);
    const out = structuredClone(config);
    if (out.input.length === 0) {
      out.input.push({ name: 'input__0', data_type: 'TYPE_FP32', dims: [spec.inputs ?? 1] } as ModelConfig['input'][0]);
    }
    if (out.output.length === 0) {
      out.output.push({ name: 'output__0', data_type: 'TYPE_FP32', dims: [spec.inputs ?? 1] } as ModelConfig['output'][0]);
    }
    return out;
  },
  async load(config: ModelConfig, ctx: BackendLoadContext): Promise<InferenceModel> {
    const spec = await readSpec(ctx);
    if (spec.fail) throw new LarchError('INVALID_ARGUMENT', spec.fail);
    const id = `${config.name}/${ctx.version}`;
    events.loads.push(id);
    let unloaded = false;
    const stats: ModelStats = {
      inferenceCount: 0, executionCount: 0, lastInference: 0, success: zero(), fail: zero(), queue: zero(),
      computeInput: zero(), computeInfer: zero(), computeOutput: zero(), batchStats: [],
    };
    return {
      name: config.name,
      version: ctx.version,
      platform: 'fake_platform',
      maxBatchSize: config.max_batch_size,
      inputs: config.input.map((t) => ({ name: t.name, datatype: 'FP32', dims: t.dims })),
      outputs: config.output.map((t) => ({ name: t.name, datatype: 'FP32', dims: t.dims })),
      responseParameters: {},   // the repository adds lineage itself
      async infer(inputs: Tensor[]): Promise<Tensor[]> {
        if (unloaded) throw new LarchError('INTERNAL', `${id} was used after unload`);
        events.infers.push(id);
        if (control.hold) await control.hold;
        if (unloaded) throw new LarchError('INTERNAL', `${id} was unloaded during a request`);
        const x = inputs[0]!.data as Float32Array;
        stats.success.count++;
        stats.inferenceCount += inputs[0]!.shape[0] ?? 1;
        stats.executionCount++;
        return [{ name: 'output__0', datatype: 'FP32', shape: inputs[0]!.shape, data: x.map((v) => v * spec.scale) }];
      },
      stats: () => stats,
      async unload() {
        unloaded = true;
        events.unloads.push(id);
      },
    };
  },
};

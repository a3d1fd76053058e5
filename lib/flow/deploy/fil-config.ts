// The config.pbtxt deploy() writes for a forest: Triton's FIL backend settings, so the same
// repository is served unchanged by larch or by Triton with the FIL backend.

export interface FilConfigOptions {
  name: string;
  numFeature: number;
  /** Output columns: classes for a classifier with predict_proba, else 1. */
  outputDims: number;
  modelType: 'treelite_checkpoint' | 'xgboost_json' | 'xgboost_ubj' | 'lightgbm';
  outputClass: boolean;
  predictProba: boolean;
  threshold: number;
  maxBatchSize: number;
  instanceCount: number;
  maxQueueDelayUs: number;
}

const q = (s: string) => JSON.stringify(s);

function param(key: string, value: string): string {
  return `  {\n    key: ${q(key)}\n    value: { string_value: ${q(value)} }\n  }`;
}

export function filConfigText(o: FilConfigOptions): string {
  const params = [
    param('model_type', o.modelType),
    param('output_class', String(o.outputClass)),
    param('predict_proba', String(o.predictProba)),
  ];
  if (o.outputClass) params.push(param('threshold', String(o.threshold)));
  return [
    '# Written by larch deploy(); served by `larch serve` or Triton with the FIL backend.',
    `name: ${q(o.name)}`,
    'backend: "fil"',
    `max_batch_size: ${o.maxBatchSize}`,
    'input [',
    '  {',
    '    name: "input__0"',
    '    data_type: TYPE_FP32',
    `    dims: [ ${o.numFeature} ]`,
    '  }',
    ']',
    'output [',
    '  {',
    '    name: "output__0"',
    '    data_type: TYPE_FP32',
    `    dims: [ ${o.outputDims} ]`,
    '  }',
    ']',
    'instance_group [',
    '  {',
    `    count: ${o.instanceCount}`,
    '    kind: KIND_CPU',
    '  }',
    ']',
    'dynamic_batching {',
    `  max_queue_delay_microseconds: ${o.maxQueueDelayUs}`,
    '}',
    'parameters [',
    params.join(',\n'),
    ']',
    '',
  ].join('\n');
}

// `larch/flow`: the workflow runner's public API.
export { FlowSpec, step, retry, timeout, catchErrors, resources } from './spec.js';
export type { NextOptions, MergeOptions, RetrySpec, CatchSpec, ResourceSpec, StepInfo, FlowClass } from './spec.js';
export { Parameter } from './parameters.js';
export type { ParameterKind } from './parameters.js';
export { FlowLintError, FlowDefinitionError, FlowStepError, DatastoreError } from './errors.js';
export { buildGraph, graphFromClass, describeGraph } from './graph.js';
export type { FlowGraph, StepNode, GraphDescription } from './graph.js';
export { lintGraph, kLintRules } from './lint.js';
export { runFlow, resumeFlow, loadFlowGraph, kDefaultMaxNumSplits } from './api.js';
export type { RunFlowOptions, ResumeFlowOptions } from './api.js';
export type { RunEvent, RunResult } from './runtime.js';
export { nextRunnable, taskKey } from './scheduler.js';
export type { FinishedTask, RunnableTask } from './scheduler.js';
export { Flow, Run, Step, Task, listFlows, FlowHandle, RunHandle, StepHandle, TaskHandle } from './client/index.js';
export type { ClientOptions } from './client/index.js';
export { LocalStorage, openLocalDatastore, resolveDatastoreRoot } from './datastore/index.js';
export type { Storage, SyncReadableStorage, BlobInfo, LogSink, TaskMeta, RunMeta, ArtifactRef } from './datastore/index.js';

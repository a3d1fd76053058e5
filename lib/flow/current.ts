// `current`: what the running task knows about itself (Metaflow's `from metaflow import current`).
// The task runtime (lib/flow/task-runtime.ts) fills it in before calling a step; outside a flow
// every field is undefined (and isRunning false), so callers can fall back with `??`.

export interface CurrentTask {
  readonly flowName: string | undefined;
  readonly runId: string | undefined;
  readonly stepName: string | undefined;
  readonly taskId: string | undefined;
  /** FLOW/RUN/STEP/TASK, or undefined outside a flow. */
  readonly pathspec: string | undefined;
  /** The datastore root the task writes to. */
  readonly datastoreRoot: string | undefined;
  /** 0 on the first attempt, n on the n-th retry. */
  readonly retryCount: number | undefined;
  /** The innermost foreach index of this task, if it is inside a foreach. */
  readonly foreachIndex: number | undefined;
  /** Tags of the run. */
  readonly tags: readonly string[] | undefined;
  /** Pathspecs of the task's input tasks. */
  readonly inputs: readonly string[] | undefined;
  /** True inside a running task. */
  readonly isRunning: boolean;
}

export interface TaskContext {
  flow: string;
  runId: string;
  step: string;
  taskId: string;
  datastoreRoot: string;
  retryCount?: number;
  foreachIndex?: number;
  tags?: string[];
  inputs?: string[];
}

let context: TaskContext | undefined;

/** Called by the task runtime around each step; not for users. */
export function setCurrentTask(ctx: TaskContext | undefined): void {
  context = ctx;
}

export const current: CurrentTask = {
  get flowName() { return context?.flow; },
  get runId() { return context?.runId; },
  get stepName() { return context?.step; },
  get taskId() { return context?.taskId; },
  get pathspec() { return context ? `${context.flow}/${context.runId}/${context.step}/${context.taskId}` : undefined; },
  get datastoreRoot() { return context?.datastoreRoot; },
  get retryCount() { return context?.retryCount; },
  get foreachIndex() { return context?.foreachIndex; },
  get tags() { return context?.tags; },
  get inputs() { return context?.inputs; },
  get isRunning() { return context !== undefined; },
};

// `current`: what the running task knows about itself (Metaflow's `from metaflow import current`).
// The task runtime fills it in before calling a step; outside a flow every field is undefined.

export interface CurrentTask {
  readonly flowName: string | undefined;
  readonly runId: string | undefined;
  readonly stepName: string | undefined;
  readonly taskId: string | undefined;
  /** FLOW/RUN/STEP/TASK, or undefined outside a flow. */
  readonly pathspec: string | undefined;
  /** The datastore root the task writes to. */
  readonly datastoreRoot: string | undefined;
  /** True inside a running task. */
  readonly isRunning: boolean;
}

interface TaskContext { flow: string; runId: string; step: string; taskId: string; datastoreRoot: string }

let context: TaskContext | undefined;

/** Called by the task runtime (lib/flow/task-runtime.ts) around each step; not for users. */
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
  get isRunning() { return context !== undefined; },
};

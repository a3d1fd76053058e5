// The client API: read runs, steps, tasks and artifacts from any script, synchronously, as
// Metaflow's client does.
//
//   import { Flow, Run } from 'larch/flow';
//   const run = Flow('FraudFlow').latestRun;          // or Run('FraudFlow/12')
//   if (run?.successful) console.log(run.step('eval').task.data.best);
//
// Reads go to the local datastore root: `{ datastore }` option, else $LARCH_DATASTORE, else
// ./.larch. Artifact values load lazily on first access; typed arrays are views over the blob.
import { DatastoreError } from '../errors.js';
import { resolveDatastoreRoot } from '../datastore/index.js';
import { LocalStorage } from '../datastore/local-storage.js';
import { attemptKey, flowKey, runMetaKey, stepKey, taskDoneKey, taskKey, parsePathspec, type TaskAddress } from '../datastore/layout.js';
import { effectiveRunStatus, type RunMeta } from '../datastore/run-store.js';
import os from 'node:os';
import { loadArtifactSync, readTaskMetaSync, type AttemptRecord, type ArtifactRef, type TaskMeta } from '../datastore/task-store.js';

export interface ClientOptions {
  datastore?: string;
}

const utf8 = (b: Uint8Array | undefined) => (b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8') : undefined);
const byNumber = (a: string, b: string) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);

function storageFor(options?: ClientOptions): LocalStorage {
  return new LocalStorage(resolveDatastoreRoot(options?.datastore));
}

export class FlowHandle {
  readonly name: string;
  readonly #storage: LocalStorage;
  constructor(name: string, storage: LocalStorage) {
    this.name = name;
    this.#storage = storage;
    flowKey(name);   // validates the name
  }
  /** Every run, newest first. */
  get runs(): RunHandle[] {
    return this.#storage.listSync(flowKey(this.name)).filter((n) => /^\d+$/.test(n)).sort(byNumber).reverse()
      .map((id) => new RunHandle(this.name, id, this.#storage));
  }
  get latestRun(): RunHandle | undefined {
    return this.runs[0];
  }
  get latestSuccessfulRun(): RunHandle | undefined {
    return this.runs.find((r) => r.successful);
  }
  run(id: string): RunHandle {
    return new RunHandle(this.name, id, this.#storage);
  }
  toString(): string { return `Flow('${this.name}')`; }
}

export class RunHandle {
  readonly flow: string;
  readonly id: string;
  readonly #storage: LocalStorage;
  #meta: RunMeta | undefined;
  constructor(flow: string, id: string, storage: LocalStorage) {
    this.flow = flow;
    this.id = id;
    this.#storage = storage;
    if (!storage.getObjectSync(runMetaKey(flow, id))) {
      throw new DatastoreError('NOT_FOUND', `run ${flow}/${id} does not exist in ${storage.location}`);
    }
  }
  get pathspec(): string { return `${this.flow}/${this.id}`; }
  /** run.json, re-read while the run is still going. */
  get meta(): RunMeta {
    if (!this.#meta || this.#meta.status === 'running') {
      this.#meta = JSON.parse(utf8(this.#storage.getObjectSync(runMetaKey(this.flow, this.id)))!) as RunMeta;
    }
    return this.#meta;
  }
  /** 'crashed': run.json says running but its runner process on this host is gone. */
  get status(): RunMeta['status'] | 'crashed' { return effectiveRunStatus(this.meta, os.hostname()); }
  get finished(): boolean { return this.status !== 'running'; }
  /** True when the end step finished (Metaflow's definition). */
  get successful(): boolean {
    return this.#storage.listSync(stepKey(this.flow, this.id, 'end'))
      .some((t) => this.#storage.getObjectSync(taskDoneKey({ flow: this.flow, runId: this.id, step: 'end', taskId: t })) !== undefined);
  }
  get tags(): string[] { return this.meta.tags; }
  get params(): Record<string, unknown> { return this.meta.params; }
  get createdAt(): Date { return new Date(this.meta.startedAt); }
  get originRunId(): string | undefined { return this.meta.originRunId; }
  /** Steps that have at least one task, in the order they first started. */
  get steps(): StepHandle[] {
    const names = this.#storage.listSync(`runs/${this.flow}/${this.id}`).filter((n) => n !== 'run.json');
    const steps = names.map((n) => new StepHandle(this.flow, this.id, n, this.#storage));
    const first = (s: StepHandle) => s.tasks.map((t) => t.startedAt ?? '').sort()[0] ?? '';
    return steps.sort((a, b) => (first(a) < first(b) ? -1 : first(a) > first(b) ? 1 : 0));
  }
  step(name: string): StepHandle {
    const s = new StepHandle(this.flow, this.id, name, this.#storage);
    if (s.tasks.length === 0) throw new DatastoreError('NOT_FOUND', `run ${this.pathspec} has no step '${name}'`);
    return s;
  }
  /** The end task's artifacts (Metaflow's run.data). */
  get data(): Record<string, unknown> {
    return this.step('end').task.data;
  }
  toString(): string { return `Run('${this.pathspec}')`; }
}

export class StepHandle {
  readonly flow: string;
  readonly runId: string;
  readonly name: string;
  readonly #storage: LocalStorage;
  constructor(flow: string, runId: string, name: string, storage: LocalStorage) {
    this.flow = flow;
    this.runId = runId;
    this.name = name;
    this.#storage = storage;
  }
  get pathspec(): string { return `${this.flow}/${this.runId}/${this.name}`; }
  /** Every task of the step, finished or not, by task ID. */
  get tasks(): TaskHandle[] {
    return this.#storage.listSync(stepKey(this.flow, this.runId, this.name)).sort(byNumber)
      .map((id) => new TaskHandle({ flow: this.flow, runId: this.runId, step: this.name, taskId: id }, this.#storage));
  }
  /** The first task (the only one, unless the step is inside a foreach). */
  get task(): TaskHandle {
    const t = this.tasks[0];
    if (!t) throw new DatastoreError('NOT_FOUND', `step ${this.pathspec} has no tasks`);
    return t;
  }
  toString(): string { return `Step('${this.pathspec}')`; }
}

export class TaskHandle {
  readonly address: TaskAddress;
  readonly #storage: LocalStorage;
  #meta: TaskMeta | undefined;
  #data: Record<string, unknown> | undefined;
  constructor(address: TaskAddress, storage: LocalStorage) {
    this.address = address;
    this.#storage = storage;
  }
  get id(): string { return this.address.taskId; }
  get pathspec(): string { return `${this.address.flow}/${this.address.runId}/${this.address.step}/${this.address.taskId}`; }
  get finished(): boolean { return this.#readMeta() !== undefined; }
  /** Finished, and the step itself succeeded (not a failure stored by @catchErrors). */
  get successful(): boolean { return this.#readMeta()?.status === 'ok'; }
  get meta(): TaskMeta {
    const m = this.#readMeta();
    if (!m) throw new DatastoreError('NOT_FOUND', `task ${this.pathspec} has not finished (no DONE marker)`);
    return m;
  }
  #readMeta(): TaskMeta | undefined {
    return (this.#meta ??= readTaskMetaSync(this.#storage, this.address));
  }
  get startedAt(): string | undefined {
    return this.#readMeta()?.startedAt ?? this.attempts[0]?.startedAt;
  }
  get index(): number | undefined {
    const stack = this.#readMeta()?.foreachStack;
    return stack?.length ? stack[stack.length - 1]!.index : undefined;
  }
  /** Artifact index: name -> hash, size, encoding, type. */
  get artifacts(): Record<string, ArtifactRef> { return this.meta.artifacts; }
  /** Artifact values by name, each loaded on first access. */
  get data(): Record<string, unknown> {
    if (this.#data) return this.#data;
    const data: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(this.meta.artifacts)) {
      let loaded = false;
      let value: unknown;
      Object.defineProperty(data, name, {
        enumerable: true,
        get: () => {
          if (!loaded) { value = loadArtifactSync(this.#storage, ref); loaded = true; }
          return value;
        },
      });
    }
    return (this.#data = Object.freeze(data));
  }
  get attempts(): AttemptRecord[] {
    const out: AttemptRecord[] = [];
    for (let n = 0; ; n++) {
      const text = utf8(this.#storage.getObjectSync(attemptKey(this.address, n, 'json')));
      if (text === undefined) return out;
      out.push(JSON.parse(text) as AttemptRecord);
    }
  }
  /** Output of the last attempt (of the origin task, for a task cloned by resume). */
  get stdout(): string { return this.#log('stdout'); }
  get stderr(): string { return this.#log('stderr'); }
  #log(which: 'stdout' | 'stderr'): string {
    const origin = this.#readMeta()?.clonedFrom;
    if (origin) return new TaskHandle(parsePathspec(origin), this.#storage).#log(which);
    const names = this.#storage.listSync(taskKey(this.address.flow, this.address.runId, this.address.step, this.address.taskId));
    const attempts = names.map((n) => /^attempt-(\d+)\.(stdout|stderr)$/.exec(n)).filter((m) => m && m[2] === which).map((m) => Number(m![1]));
    if (!attempts.length) return '';
    return utf8(this.#storage.getObjectSync(attemptKey(this.address, Math.max(...attempts), which))) ?? '';
  }
  toString(): string { return `Task('${this.pathspec}')`; }
}

/** A flow's runs in the datastore. */
export function Flow(name: string, options?: ClientOptions): FlowHandle {
  return new FlowHandle(name, storageFor(options));
}

/** A run by pathspec: Run('FraudFlow/12'). */
export function Run(pathspec: string, options?: ClientOptions): RunHandle {
  const parts = pathspec.split('/');
  if (parts.length !== 2) throw new DatastoreError('INVALID_ARGUMENT', `"${pathspec}" is not a run pathspec (Flow/runId)`);
  return new RunHandle(parts[0]!, parts[1]!, storageFor(options));
}

/** A step by pathspec: Step('FraudFlow/12/train'). */
export function Step(pathspec: string, options?: ClientOptions): StepHandle {
  const parts = pathspec.split('/');
  if (parts.length !== 3) throw new DatastoreError('INVALID_ARGUMENT', `"${pathspec}" is not a step pathspec (Flow/runId/step)`);
  const run = Run(`${parts[0]}/${parts[1]}`, options);
  return run.step(parts[2]!);
}

/** A task by pathspec: Task('FraudFlow/12/train/3'). */
export function Task(pathspec: string, options?: ClientOptions): TaskHandle {
  return new TaskHandle(parsePathspec(pathspec), storageFor(options));
}

/** Every flow with runs in the datastore. */
export function listFlows(options?: ClientOptions): string[] {
  return storageFor(options).listSync('runs');
}

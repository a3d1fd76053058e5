// Runs one step of a flow inside a worker process: binds the FlowSpec instance to its inputs,
// calls the step, then stores its artifacts and writes the task's index and DONE marker.
//
// Artifact semantics (Metaflow's):
// - a non-join task starts with every artifact of its input task; a join starts with only the
//   parameters, and sees its inputs through `inputs` (mergeArtifacts copies the agreeing ones);
// - inherited artifacts are lazy accessors: an artifact the step never touches is recorded by
//   hash without being read; one the step read is re-encoded at the end (in-place mutation is
//   kept) and, if unchanged, deduplicated by its hash;
// - names starting with '_' are task-private and never stored;
// - field initializers that the step does not change are class constants, not artifacts.
import { FlowStepError } from './errors.js';
import type { Storage } from './datastore/storage.js';
import { loadArtifactSync, readTaskMeta, TaskWriter, type ArtifactRef, type ForeachFrame, type TaskMeta, type Transition } from './datastore/task-store.js';
import { parsePathspec } from './datastore/layout.js';
import { setCurrentTask } from './current.js';
import { kReservedNames, kRuntime, stepInfoOf, type FlowClass, type FlowSpec, type MergeOptions, type NextOptions, type StepFunction, type StepRuntime } from './spec.js';

export interface TaskSpec {
  flow: string;
  runId: string;
  step: string;
  taskId: string;
  attempt: number;
  stack: ForeachFrame[];
  /** Pathspecs of the input tasks. */
  inputs: string[];
  params: Record<string, unknown>;
  /** The --max-num-splits cap on one foreach. */
  maxNumSplits: number;
  tags: string[];
}

const kInputRefs = Symbol('larch.inputRefs');

interface Slot {
  ref: ArtifactRef;
  loaded: boolean;
  value: unknown;
  dirty: boolean;
}

function defineLazy(obj: object, name: string, ref: ArtifactRef, storage: Storage, slots?: Map<string, Slot>): void {
  const slot: Slot = { ref, loaded: false, value: undefined, dirty: false };
  slots?.set(name, slot);
  Object.defineProperty(obj, name, {
    enumerable: true,
    configurable: true,
    get() {
      if (!slot.loaded) { slot.value = loadArtifactSync(storage, slot.ref); slot.loaded = true; }
      return slot.value;
    },
    set(v: unknown) {
      if (!slots) throw new TypeError(`artifact '${name}' of an input is read-only`);
      slot.value = v; slot.loaded = true; slot.dirty = true;
    },
  });
}

function stepNames(cls: FlowClass): Set<string> {
  const names = new Set<string>();
  for (let p = cls.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (stepInfoOf(Object.getOwnPropertyDescriptor(p, n)?.value)?.isStep) names.add(n);
  }
  return names;
}

function foreachItems(value: unknown): unknown[] | ArrayLike<unknown> | undefined {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as unknown as ArrayLike<unknown>;
  if (value instanceof Map) return [...value.entries()];
  if (value instanceof Set) return [...value];
  return undefined;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

export async function executeTask(cls: FlowClass, storage: Storage, spec: TaskSpec): Promise<TaskMeta> {
  const startedAt = new Date().toISOString();
  const inputMetas: TaskMeta[] = [];
  for (const p of spec.inputs) {
    const meta = await readTaskMeta(storage, parsePathspec(p));
    if (!meta) throw new FlowStepError(spec.step, `input task ${p} of step '${spec.step}' is not finished (no DONE marker)`);
    inputMetas.push(meta);
  }
  const steps = stepNames(cls);
  const method = (cls.prototype as unknown as Record<string, StepFunction>)[spec.step];
  if (!steps.has(spec.step) || typeof method !== 'function') throw new FlowStepError(spec.step, `${cls.name} has no step '${spec.step}'`);
  const isJoin = method.length > 0 || inputMetas.length > 1;

  const self = new cls() as FlowSpec & Record<string, unknown>;
  const initial = new Map(Object.keys(self).map((k) => [k, self[k]]));
  const slots = new Map<string, Slot>();
  const paramNames = new Set(Object.keys(spec.params));
  for (const [name, value] of Object.entries(spec.params)) {
    Object.defineProperty(self, name, {
      enumerable: true, configurable: true, get: () => value,
      set: () => { throw new FlowStepError(spec.step, `parameter '${name}' is read-only (step '${spec.step}')`); },
    });
  }
  if (!isJoin && inputMetas.length === 1) {
    for (const [name, ref] of Object.entries(inputMetas[0]!.artifacts)) if (!paramNames.has(name)) defineLazy(self, name, ref, storage, slots);
  }

  let transition: Transition | null = null;
  let inputCache: { value: unknown } | undefined;
  const frame = spec.stack[spec.stack.length - 1];
  const runtime: StepRuntime = {
    next(targets: StepFunction[], options: NextOptions): void {
      const where = `step '${spec.step}'`;
      if (spec.step === 'end') throw new FlowStepError(spec.step, "step 'end' cannot call this.next()");
      if (transition) throw new FlowStepError(spec.step, `${where} called this.next() twice`);
      if (targets.length === 0) throw new FlowStepError(spec.step, `${where}: this.next() needs a target step`);
      const names = targets.map((t, i) => {
        const info = stepInfoOf(t);
        if (!info?.isStep) throw new FlowStepError(spec.step, `${where}: argument ${i + 1} of this.next() is not a @step method of ${cls.name}`);
        return info.name;
      });
      const t: Transition = { steps: names };
      if (options.foreach !== undefined) {
        const v = options.foreach;
        if (names.length !== 1) throw new FlowStepError(spec.step, `${where}: a foreach goes to exactly one step, got ${names.length}`);
        const value = self[v];
        if (value === undefined) throw new FlowStepError(spec.step, `${where}: foreach variable '${v}' is not set; assign this.${v} before calling this.next()`);
        const items = foreachItems(value);
        if (!items) throw new FlowStepError(spec.step, `${where}: foreach variable '${v}' is a ${typeName(value)}; it must be an array (or a typed array, Map or Set)`);
        if (items.length === 0) throw new FlowStepError(spec.step, `${where}: foreach variable '${v}' is empty; a foreach needs at least one item`);
        if (items.length > spec.maxNumSplits) {
          throw new FlowStepError(spec.step, `${where}: foreach over '${v}' makes ${items.length} tasks, more than the limit of ${spec.maxNumSplits}; raise it with --max-num-splits ${items.length}`);
        }
        t.foreach = { var: v, count: items.length };
      }
      transition = t;
    },
    get input(): unknown {
      if (!frame || inputMetas.length !== 1) return undefined;
      if (!inputCache) {
        const parent = inputMetas[0]!;
        const v = parent.next?.foreach?.var;
        const ref = v !== undefined ? parent.artifacts[v] : undefined;
        if (!ref) throw new FlowStepError(spec.step, `the foreach variable of ${parent.pathspec} is missing from its artifacts`);
        const items = foreachItems(loadArtifactSync(storage, ref))!;
        inputCache = { value: items[frame.index] };
      }
      return inputCache.value;
    },
    get index(): number | undefined {
      return frame?.index;
    },
    mergeArtifacts(inputs: readonly object[], options: MergeOptions): void {
      mergeInto(self, slots, spec.step, inputs, options, paramNames, storage);
    },
  };
  Object.defineProperty(self, kRuntime, { value: runtime, enumerable: false });

  setCurrentTask({
    flow: spec.flow, runId: spec.runId, step: spec.step, taskId: spec.taskId, datastoreRoot: storage.location,
    retryCount: spec.attempt, tags: spec.tags, inputs: spec.inputs, ...(frame ? { foreachIndex: frame.index } : {}),
  });
  let result: unknown;
  try {
    if (isJoin) result = await method.call(self, buildInputs(inputMetas, storage));
    else result = await method.call(self);
  } finally {
    setCurrentTask(undefined);
  }
  void result;
  if (spec.step !== 'end' && !transition) {
    throw new FlowStepError(spec.step, `step '${spec.step}' finished without calling this.next(...)`);
  }

  const writer = new TaskWriter(storage, { flow: spec.flow, runId: spec.runId, step: spec.step, taskId: spec.taskId });
  for (const name of Object.keys(self)) {
    if (name.startsWith('_')) continue;
    if (kReservedNames.has(name) || steps.has(name)) {
      throw new FlowStepError(spec.step, `step '${spec.step}' assigned this.${name}, which is the name of ${steps.has(name) ? 'a step' : 'a FlowSpec member'}; rename the artifact`);
    }
    if (paramNames.has(name)) { await writer.putValue(name, spec.params[name]); continue; }
    const slot = slots.get(name);
    if (slot && Object.getOwnPropertyDescriptor(self, name)?.get) {
      if (!slot.loaded) writer.putRef(name, slot.ref);
      else await writer.putValue(name, slot.value);
      continue;
    }
    const value = self[name];
    if (initial.has(name) && Object.is(initial.get(name), value)) continue;
    await writer.putValue(name, value);
  }
  return writer.done({
    status: 'ok', attempt: spec.attempt, foreachStack: spec.stack, inputs: spec.inputs, next: transition,
    startedAt, finishedAt: new Date().toISOString(),
  });
}

/** `inputs` of a join: one read-only object per input task (artifacts as lazy properties), plus,
 * for a static split, each input under its step name (inputs.trainA). */
function buildInputs(metas: TaskMeta[], storage: Storage): object[] {
  const list: object[] = [];
  for (const meta of metas) {
    const obj: Record<string | symbol, unknown> = {};
    for (const [name, ref] of Object.entries(meta.artifacts)) defineLazy(obj, name, ref, storage);
    Object.defineProperty(obj, kInputRefs, { value: meta.artifacts });
    Object.defineProperty(obj, 'step', { value: meta.step });
    list.push(obj);
  }
  for (const [i, meta] of metas.entries()) {
    if (!Object.hasOwn(list, meta.step)) Object.defineProperty(list, meta.step, { value: list[i], enumerable: false });
  }
  return list;
}

function mergeInto(self: Record<string, unknown>, slots: Map<string, Slot>, step: string, inputs: readonly object[],
  options: MergeOptions, paramNames: Set<string>, storage: Storage): void {
  const refsOf = inputs.map((inp, i) => {
    const refs = (inp as Record<symbol, Record<string, ArtifactRef> | undefined>)[kInputRefs];
    if (!refs) throw new FlowStepError(step, `mergeArtifacts: argument element ${i} is not one of this join's inputs`);
    return refs;
  });
  const exclude = new Set(options.exclude ?? []);
  const names = new Set(refsOf.flatMap((r) => Object.keys(r)));
  if (options.include) {
    for (const n of options.include) {
      if (!names.has(n)) throw new FlowStepError(step, `mergeArtifacts: included artifact '${n}' is in none of the inputs`);
    }
  }
  const conflicts: string[] = [];
  for (const name of names) {
    if (exclude.has(name) || paramNames.has(name) || name.startsWith('_')) continue;
    if (options.include && !options.include.includes(name)) continue;
    if (Object.hasOwn(self, name)) continue;   // set by the join itself: it wins
    const hashes = new Set(refsOf.map((r) => r[name]?.hash).filter((h) => h !== undefined));
    if (hashes.size > 1) { conflicts.push(name); continue; }
    const ref = refsOf.find((r) => r[name])![name]!;
    defineLazy(self, name, ref, storage, slots);
  }
  if (conflicts.length) {
    throw new FlowStepError(step, `mergeArtifacts in step '${step}': ${conflicts.map((c) => `'${c}'`).join(', ')} differ between inputs; ` +
      `assign ${conflicts.length > 1 ? 'them' : 'it'} on this before merging, or pass { exclude: [${conflicts.map((c) => `'${c}'`).join(', ')}] }`);
  }
}

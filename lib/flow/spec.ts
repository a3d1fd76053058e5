// The flow API: FlowSpec, the @step decorator and the step decorators (@retry, @timeout,
// @catchErrors, @resources). TypeScript 5 standard decorators (no experimentalDecorators).
//
// Decorators only record facts on the method's function object (under a Symbol.for key, so two
// copies of larch agree); graph.ts reads them. They can be stacked in any order.
// At run time a task's FlowSpec instance is bound to a StepRuntime (lib/flow/task-runtime.ts)
// that implements next(), input, index and mergeArtifacts.
import { FlowDefinitionError } from './errors.js';
import type { ParameterSpecs } from './parameters.js';

export const kStepInfo = Symbol.for('larch.flow.stepInfo');
export const kRuntime = Symbol.for('larch.flow.runtime');
const kFlowSpec = Symbol.for('larch.flow.FlowSpec');

export interface RetrySpec {
  /** Extra attempts after the first (Metaflow's default: 3). */
  times: number;
  /** Pause before each retry (Metaflow's default: 2). */
  minutesBetweenRetries: number;
}
export interface CatchSpec {
  /** Artifact that receives the exception (an Error-like object); undefined: not stored. */
  var?: string;
  /** Print the exception to the task's stderr log (default true). */
  printException: boolean;
}
export interface ResourceSpec {
  cpu?: number;
  memoryMb?: number;
  gpu?: number;
}

export interface StepInfo {
  isStep: boolean;
  name: string;
  retry?: RetrySpec;
  timeoutSeconds?: number;
  catch?: CatchSpec;
  resources?: ResourceSpec;
  /** Decorators seen, for the "decorator without @step" lint rule. */
  decorators: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StepFunction = (this: any, ...args: any[]) => unknown;

export interface NextOptions {
  /** Name of the artifact (an array or iterable) to fan out over: one task per item. */
  foreach?: string;
}

/** What a FlowSpec delegates to while a task runs. */
export interface StepRuntime {
  next(targets: StepFunction[], options: NextOptions): void;
  readonly input: unknown;
  readonly index: number | undefined;
  mergeArtifacts(inputs: readonly object[], options: MergeOptions): void;
}

export interface MergeOptions {
  /** Only these artifacts. */
  include?: string[];
  /** Never these artifacts (e.g. ones that differ per branch and are handled by hand). */
  exclude?: string[];
}

export function stepInfoOf(fn: unknown): StepInfo | undefined {
  return typeof fn === 'function' ? (fn as unknown as Record<symbol, StepInfo | undefined>)[kStepInfo] : undefined;
}

function infoFor(fn: StepFunction, name: string): StepInfo {
  const holder = fn as unknown as Record<symbol, StepInfo | undefined>;
  return (holder[kStepInfo] ??= { isStep: false, name, decorators: [] });
}

function checkMethod(decorator: string, context: ClassMethodDecoratorContext): void {
  if (context.kind !== 'method' || context.static || context.private || typeof context.name !== 'string') {
    throw new FlowDefinitionError(`@${decorator} goes on a public instance method of a FlowSpec class (found on ${String(context.name)})`);
  }
}

/** Marks a method as a step of the flow. */
export function step<F extends StepFunction>(fn: F, context: ClassMethodDecoratorContext): void {
  checkMethod('step', context);
  const info = infoFor(fn, context.name as string);
  info.isStep = true;
  info.decorators.push('step');
}

type MethodDecorator = (fn: StepFunction, context: ClassMethodDecoratorContext) => void;

function stepDecorator(name: string, apply: (info: StepInfo) => void): MethodDecorator {
  return (fn, context) => {
    checkMethod(name, context);
    const info = infoFor(fn, context.name as string);
    if (info.decorators.includes(name)) throw new FlowDefinitionError(`@${name} is applied twice to step '${String(context.name)}'`);
    info.decorators.push(name);
    apply(info);
  };
}

function nonNegative(decorator: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new FlowDefinitionError(`@${decorator}({ ${field} }) must be a non-negative number, got ${String(v)}`);
  }
  return v;
}

/** Retries a failed task (any failure: exception, crash, timeout), as Metaflow's @retry. */
export function retry(options: { times?: number; minutesBetweenRetries?: number } = {}): MethodDecorator {
  const times = nonNegative('retry', 'times', options.times ?? 3);
  if (!Number.isInteger(times)) throw new FlowDefinitionError(`@retry({ times }) must be an integer, got ${times}`);
  const minutesBetweenRetries = nonNegative('retry', 'minutesBetweenRetries', options.minutesBetweenRetries ?? 2);
  return stepDecorator('retry', (info) => { info.retry = { times, minutesBetweenRetries }; });
}

/** Fails an attempt that runs longer than the sum of seconds, minutes and hours. */
export function timeout(options: { seconds?: number; minutes?: number; hours?: number }): MethodDecorator {
  const total = nonNegative('timeout', 'seconds', options.seconds ?? 0) +
    60 * nonNegative('timeout', 'minutes', options.minutes ?? 0) + 3600 * nonNegative('timeout', 'hours', options.hours ?? 0);
  if (total <= 0) throw new FlowDefinitionError('@timeout needs a positive duration: { seconds, minutes or hours }');
  return stepDecorator('timeout', (info) => { info.timeoutSeconds = total; });
}

/**
 * Metaflow's @catch: when the step still fails after its retries, the task succeeds anyway, the
 * exception is stored in the artifact `var`, and the flow continues along the step's transition.
 */
export function catchErrors(options: { var?: string; printException?: boolean } = {}): MethodDecorator {
  if (options.var !== undefined && !/^[A-Za-z_$][\w$]*$/.test(options.var)) {
    throw new FlowDefinitionError(`@catchErrors({ var }) must be an identifier, got "${options.var}"`);
  }
  const spec: CatchSpec = { printException: options.printException ?? true };
  if (options.var !== undefined) spec.var = options.var;
  return stepDecorator('catchErrors', (info) => { info.catch = spec; });
}

/** Records the resources a step needs. Locally, memoryMb caps the worker's V8 heap. */
export function resources(options: ResourceSpec): MethodDecorator {
  const spec: ResourceSpec = {};
  if (options.cpu !== undefined) spec.cpu = nonNegative('resources', 'cpu', options.cpu);
  if (options.memoryMb !== undefined) spec.memoryMb = nonNegative('resources', 'memoryMb', options.memoryMb);
  if (options.gpu !== undefined) spec.gpu = nonNegative('resources', 'gpu', options.gpu);
  return stepDecorator('resources', (info) => { info.resources = spec; });
}

/**
 * Base class of every flow. Artifacts are plain assignments (`this.model = ...`); names starting
 * with '_' are private to the task and not stored.
 */
export abstract class FlowSpec {
  static readonly [kFlowSpec] = true;
  // Parameters are declared by subclasses as `static params = { ... }` (FlowClass['params']);
  // not declared here, so subclasses need no `override` under noImplicitOverride.

  #runtime(): StepRuntime {
    const rt = (this as unknown as Record<symbol, StepRuntime | undefined>)[kRuntime];
    if (!rt) throw new FlowDefinitionError('this flow object is not running a task: steps run through `larch flow run`');
    return rt;
  }

  /**
   * The transition out of this step: `this.next(this.a)`, a static split `this.next(this.a, this.b)`,
   * or a foreach `this.next(this.a, { foreach: 'items' })`. Called exactly once per step (not in end).
   */
  next(...targets: Array<StepFunction | NextOptions>): void {
    const last = targets[targets.length - 1];
    const options = typeof last === 'object' && last !== null ? (targets.pop() as NextOptions) : {};
    this.#runtime().next(targets as StepFunction[], options);
  }

  /** In a foreach task: the item of the foreach variable this task processes. */
  get input(): unknown {
    return this.#runtime().input;
  }

  /** In a foreach task: the item's index. */
  get index(): number | undefined {
    return this.#runtime().index;
  }

  /**
   * In a join: copies into this task every artifact whose value is the same in all inputs;
   * an artifact that differs between inputs must be set on `this` first or excluded.
   */
  mergeArtifacts(inputs: readonly object[], options: MergeOptions = {}): void {
    this.#runtime().mergeArtifacts(inputs, options);
  }

  static isFlowClass(v: unknown): v is FlowClass {
    return typeof v === 'function' && (v as unknown as Record<symbol, unknown>)[kFlowSpec] === true && v !== FlowSpec;
  }
}

export type FlowClass = (new () => FlowSpec) & { params?: ParameterSpecs; name: string };

/** Names every FlowSpec instance uses itself; artifacts may not shadow them. */
export const kReservedNames = new Set(['next', 'input', 'index', 'mergeArtifacts', 'constructor']);

// One loaded version of a model while the repository serves it, with the reference count that
// lets a version swap drop no request: the repository switches its map to the new version
// first, then retires the old one, which unloads only once its in-flight requests are done.
//
//   live --retire()--> draining (no new requests; in-flight ones finish) --> unloaded
//
// Front ends get a ModelHandle. A handle obtained without an explicit version that finds its
// version already retired runs the request on whatever version serves the model now.
import type { InferenceModel, InferOptions, ModelStats, Tensor, TensorSpec } from '../backends/types.js';
import { LarchError } from '../protocol/errors.js';
import type { ModelConfig } from './model-config.js';
import type { Lineage } from './lineage.js';

export class ServedVersion {
  readonly model: InferenceModel;
  readonly version: string;
  readonly config: ModelConfig;
  readonly lineage: Lineage;
  /** Fingerprint of the version folder and config it was loaded from (reload detection). */
  readonly sourceKey: string;
  /** Lineage keys plus whatever the backend adds: what every response of this version carries. */
  readonly responseParameters: Record<string, string | number | boolean>;
  /** Labels of the outputs that declare a label_filename. */
  readonly outputLabels: Readonly<Record<string, readonly string[]>> | undefined;
  /** How long loading this version took (nv_model_load_duration_secs); set by the loader. */
  loadSeconds = 0;
  #inflight = 0;
  #retired = false;
  #drained: (() => void) | undefined;
  #unloaded: Promise<void> | undefined;
  #latestHandle: ModelHandle | undefined;
  #pinnedHandle: ModelHandle | undefined;

  constructor(model: InferenceModel, version: string, config: ModelConfig, lineage: Lineage, sourceKey: string,
    outputLabels?: Readonly<Record<string, readonly string[]>>) {
    this.model = model;
    this.outputLabels = outputLabels;
    this.version = version;
    this.config = config;
    this.lineage = lineage;
    this.sourceKey = sourceKey;
    this.responseParameters = Object.freeze({ ...lineage.response, ...model.responseParameters });
  }

  get retired(): boolean { return this.#retired; }
  get inflight(): number { return this.#inflight; }

  /** Counts a request in; false once retired (the caller must go elsewhere). */
  acquire(): boolean {
    if (this.#retired) return false;
    this.#inflight++;
    return true;
  }

  release(): void {
    this.#inflight--;
    if (this.#inflight === 0 && this.#drained) this.#drained();
  }

  /** Stops new requests, waits for in-flight ones, unloads. Idempotent. */
  retire(): Promise<void> {
    if (this.#unloaded) return this.#unloaded;
    this.#retired = true;
    const drained = this.#inflight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => { this.#drained = resolve; });
    this.#unloaded = drained.then(() => this.model.unload());
    return this.#unloaded;
  }

  /** The handle front ends use; `pinned` when the request named this version explicitly. */
  handle(pinned: boolean, resolveCurrent: () => ServedVersion): ModelHandle {
    if (pinned) return (this.#pinnedHandle ??= new ModelHandle(this, undefined));
    return (this.#latestHandle ??= new ModelHandle(this, resolveCurrent));
  }

  /** The handle if it was made already (lets getModel skip making a resolver per request). */
  existingHandle(pinned: boolean): ModelHandle | undefined {
    return pinned ? this.#pinnedHandle : this.#latestHandle;
  }
}

/** What getModel returns: an InferenceModel view of a served version, reference-counted per request. */
export class ModelHandle implements InferenceModel {
  readonly #served: ServedVersion;
  readonly #resolveCurrent: (() => ServedVersion) | undefined;

  constructor(served: ServedVersion, resolveCurrent: (() => ServedVersion) | undefined) {
    this.#served = served;
    this.#resolveCurrent = resolveCurrent;
  }

  get name(): string { return this.#served.model.name; }
  get version(): string { return this.#served.version; }
  get platform(): string { return this.#served.model.platform; }
  get maxBatchSize(): number { return this.#served.model.maxBatchSize; }
  get inputs(): TensorSpec[] { return this.#served.model.inputs; }
  get outputs(): TensorSpec[] { return this.#served.model.outputs; }
  get responseParameters(): Record<string, string | number | boolean> { return this.#served.responseParameters; }
  get nativeModelId(): string | undefined { return this.#served.model.nativeModelId; }
  get outputLabels(): Readonly<Record<string, readonly string[]>> | undefined { return this.#served.outputLabels; }

  infer(inputs: Tensor[], options?: InferOptions): Promise<Tensor[]> {
    try {
      return Promise.resolve(this.submit(inputs, options));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Holds a reference on the served version until the outputs are back (synchronously or not). */
  submit(inputs: Tensor[], options?: InferOptions): Tensor[] | Promise<Tensor[]> {
    const served = this.#acquire();
    let out: Tensor[] | Promise<Tensor[]>;
    try {
      out = served.model.submit ? served.model.submit(inputs, options) : served.model.infer(inputs, options);
    } catch (err) {
      served.release();
      throw err;
    }
    if (Array.isArray(out)) {
      served.release();
      return out;
    }
    return out.finally(() => served.release());
  }

  /**
   * The version to run on, acquired. A version retired between getModel and infer: an
   * unversioned request moves to the version serving now (resolveCurrent throws UNAVAILABLE
   * when there is none).
   */
  #acquire(): ServedVersion {
    let served = this.#served;
    for (let attempt = 0; !served.acquire(); attempt++) {
      if (!this.#resolveCurrent || attempt >= 3) {
        throw new LarchError('UNAVAILABLE', `version ${served.version} of model "${this.name}" has been unloaded`);
      }
      served = this.#resolveCurrent();
    }
    return served;
  }

  stats(): ModelStats { return this.#served.model.stats(); }

  unload(): Promise<void> {
    return Promise.reject(new LarchError('UNSUPPORTED',
      `model "${this.name}" is owned by the repository: unload it through the repository API`));
  }
}

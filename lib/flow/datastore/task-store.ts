// Per-task metadata on top of Storage: the artifact index (task.json) written last, then DONE.
// Readers treat a task without DONE as not finished; a TaskWriter refuses writes after done().
import { DatastoreError } from '../errors.js';
import { decodeArtifact, encodeArtifact, type ArtifactSummary } from './envelope.js';
import { attemptKey, taskDoneKey, taskMetaKey, pathspecOf, type TaskAddress } from './layout.js';
import { isSyncReadable, type Storage } from './storage.js';

export const kTaskFormat = 1;

export interface ArtifactRef extends ArtifactSummary {
  hash: string;
  size: number;
}

/** One level of foreach nesting: this task is item `index` of `count` produced by `step`. */
export interface ForeachFrame {
  step: string;
  index: number;
  count: number;
}

export interface Transition {
  steps: string[];
  foreach?: { var: string; count: number };
}

export interface TaskMeta {
  format: number;
  flow: string;
  runId: string;
  step: string;
  taskId: string;
  pathspec: string;
  /** 'ok': the step ran; 'caught': it failed and @catchErrors stored the exception. */
  status: 'ok' | 'caught';
  attempt: number;
  foreachStack: ForeachFrame[];
  inputs: string[];
  artifacts: Record<string, ArtifactRef>;
  next: Transition | null;
  startedAt: string;
  finishedAt: string;
  /** Set on tasks cloned by `flow resume`: the pathspec of the origin task. */
  clonedFrom?: string;
}

export interface AttemptRecord {
  attempt: number;
  status: 'ok' | 'failed' | 'timeout' | 'crashed';
  exitCode: number | null;
  signal: string | null;
  error?: { type: string; message: string; stack?: string };
  startedAt: string;
  finishedAt: string;
}

/** Collects a task's artifacts; `done()` writes the index, then the DONE marker. */
export class TaskWriter {
  readonly address: TaskAddress;
  readonly #storage: Storage;
  readonly #artifacts: Record<string, ArtifactRef> = {};
  #done = false;

  constructor(storage: Storage, address: TaskAddress) {
    this.#storage = storage;
    this.address = address;
  }

  #checkOpen(what: string): void {
    if (this.#done) throw new DatastoreError('INTERNAL', `${what} after task ${pathspecOf(this.address)} was marked DONE`);
  }

  /** Encodes and stores a value (identical bytes are stored once). */
  async putValue(name: string, value: unknown): Promise<ArtifactRef> {
    this.#checkOpen(`write of artifact '${name}'`);
    const enc = encodeArtifact(value, `artifact '${name}' of step '${this.address.step}'`);
    const info = await this.#storage.putBlob(enc.chunks);
    const ref = { hash: info.hash, size: info.size, encoding: enc.encoding, type: enc.type };
    this.#artifacts[name] = ref;
    return ref;
  }

  /** Records an artifact that already exists (inherited from an input task): no bytes move. */
  putRef(name: string, ref: ArtifactRef): void {
    this.#checkOpen(`write of artifact '${name}'`);
    this.#artifacts[name] = ref;
  }

  get artifacts(): Readonly<Record<string, ArtifactRef>> {
    return this.#artifacts;
  }

  async done(meta: Omit<TaskMeta, 'format' | 'flow' | 'runId' | 'step' | 'taskId' | 'pathspec' | 'artifacts'>): Promise<TaskMeta> {
    this.#checkOpen('done()');
    const full: TaskMeta = {
      format: kTaskFormat, ...this.address, pathspec: pathspecOf(this.address), ...meta, artifacts: this.#artifacts,
    };
    await this.#storage.putObject(taskMetaKey(this.address), JSON.stringify(full, null, 1));
    await this.#storage.putObject(taskDoneKey(this.address), 'done\n');
    this.#done = true;
    return full;
  }
}

function parseMeta(bytes: Uint8Array, where: string): TaskMeta {
  let meta: TaskMeta;
  try {
    meta = JSON.parse(Buffer.from(bytes).toString('utf8')) as TaskMeta;
  } catch (err) {
    throw new DatastoreError('INTERNAL', `${where} is not valid JSON: ${(err as Error).message}`);
  }
  if (meta.format !== kTaskFormat) {
    throw new DatastoreError('INTERNAL', `${where} has format ${meta.format}; this larch reads format ${kTaskFormat}`);
  }
  return meta;
}

/** The index of a finished task, or undefined when the task has no DONE marker. */
export async function readTaskMeta(storage: Storage, address: TaskAddress): Promise<TaskMeta | undefined> {
  if (!(await storage.getObject(taskDoneKey(address)))) return undefined;
  const bytes = await storage.getObject(taskMetaKey(address));
  if (!bytes) throw new DatastoreError('INTERNAL', `task ${pathspecOf(address)} has DONE but no task.json`);
  return parseMeta(bytes, `task.json of ${pathspecOf(address)}`);
}

export function readTaskMetaSync(storage: Storage, address: TaskAddress): TaskMeta | undefined {
  if (!isSyncReadable(storage)) throw new DatastoreError('UNSUPPORTED', `storage ${storage.location} has no synchronous reads`);
  if (!storage.getObjectSync(taskDoneKey(address))) return undefined;
  const bytes = storage.getObjectSync(taskMetaKey(address));
  if (!bytes) throw new DatastoreError('INTERNAL', `task ${pathspecOf(address)} has DONE but no task.json`);
  return parseMeta(bytes, `task.json of ${pathspecOf(address)}`);
}

export async function loadArtifact(storage: Storage, ref: ArtifactRef): Promise<unknown> {
  return decodeArtifact(await storage.getBlob(ref.hash), ref.hash);
}

export function loadArtifactSync(storage: Storage, ref: ArtifactRef): unknown {
  if (!isSyncReadable(storage)) throw new DatastoreError('UNSUPPORTED', `storage ${storage.location} has no synchronous reads`);
  return decodeArtifact(storage.getBlobSync(ref.hash), ref.hash);
}

export async function writeAttempt(storage: Storage, address: TaskAddress, record: AttemptRecord): Promise<void> {
  await storage.putObject(attemptKey(address, record.attempt, 'json'), JSON.stringify(record, null, 1));
}

export async function readAttempts(storage: Storage, address: TaskAddress): Promise<AttemptRecord[]> {
  const out: AttemptRecord[] = [];
  for (let n = 0; ; n++) {
    const bytes = await storage.getObject(attemptKey(address, n, 'json'));
    if (!bytes) return out;
    out.push(JSON.parse(Buffer.from(bytes).toString('utf8')) as AttemptRecord);
  }
}

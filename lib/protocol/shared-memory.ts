// Triton's system shared-memory extension: a client creates a POSIX shared-memory object
// (shm_open(key)), registers a region of it under a name, and then names that region in an
// input's or output's parameters (shared_memory_region, shared_memory_offset,
// shared_memory_byte_size) instead of sending the tensor's bytes.
//
// The region is read and written through its file (/dev/shm/<key> on Linux, where shm_open puts
// its objects) with pread/pwrite, not through a mapping: a client that shrinks or removes the
// object after registering it gets an error for its request, where a mapping would take the
// whole server down with SIGBUS. The cost is one copy each way, the same as a request body.
//
// Registration is refused unless the server runs with --allow-client-shm (false by default, as
// in Triton): a registered region lets its client make the server read and write that object.
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { DataType, Tensor, TensorData } from '../backends/types.js';
import { bytesOf, decodeBytesElements, elementSize, viewOrCopy, writeBytesElements, type NumericData } from './datatypes.js';
import { LarchError, invalidArgument, notFound } from './errors.js';
import type { Parameters, RequestedOutput } from './infer-request.js';

/** Where a tensor's bytes are: a registered region, an offset into it and a size. */
export interface SharedMemoryRef {
  region: string;
  offset: number;
  byteSize: number;
}

/** One registered region, as the status APIs report it. */
export interface RegionStatus {
  name: string;
  key: string;
  offset: number;
  byte_size: number;
}

/** What inference needs: the bytes of an input region, and a place for an output's bytes. */
export interface SharedMemoryAccess {
  /** Throws unless `ref` lies inside a registered region (outputs are checked before the model runs). */
  check(ref: SharedMemoryRef, what: string): void;
  read(ref: SharedMemoryRef, what: string): Buffer;
  write(ref: SharedMemoryRef, bytes: Uint8Array, what: string): void;
}

/**
 * Thrown where a request names a shared-memory region but this thread has no registry (an HTTP
 * worker thread): the request is handed to the main thread, which owns the regions.
 */
export class SharedMemoryOnMainThread extends Error {
  constructor() {
    super('the request uses shared memory, which the main thread serves');
  }
}

/** The access of a thread without regions (see SharedMemoryOnMainThread). */
export const noSharedMemoryHere: SharedMemoryAccess = {
  check() { throw new SharedMemoryOnMainThread(); },
  read() { throw new SharedMemoryOnMainThread(); },
  write() { throw new SharedMemoryOnMainThread(); },
};

const SHM_DIR = '/dev/shm';

function nonNegativeInteger(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalidArgument(`${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The shared-memory reference in a tensor's parameters, or undefined when it has none. Triton's
 * rule: region and byte size come together; the offset is optional (0).
 */
export function sharedMemoryRefOf(params: Parameters, what: string): SharedMemoryRef | undefined {
  const region = params.shared_memory_region;
  const size = params.shared_memory_byte_size;
  const offset = params.shared_memory_offset;
  if (region === undefined && size === undefined) {
    if (offset !== undefined) throw invalidArgument(`${what} has "shared_memory_offset" without "shared_memory_region" and "shared_memory_byte_size"`);
    return undefined;
  }
  if (region === undefined || size === undefined) {
    throw invalidArgument(`${what} must give both "shared_memory_region" and "shared_memory_byte_size" (it has only ${region === undefined ? '"shared_memory_byte_size"' : '"shared_memory_region"'})`);
  }
  if (typeof region !== 'string' || region === '') throw invalidArgument(`${what} "shared_memory_region" must be a non-empty string`);
  return {
    region,
    byteSize: nonNegativeInteger(size, `${what} "shared_memory_byte_size"`),
    offset: offset === undefined ? 0 : nonNegativeInteger(offset, `${what} "shared_memory_offset"`),
  };
}

/** An input's bytes from its region, as tensor data: `count` elements of `datatype`. */
export function sharedMemoryInput(access: SharedMemoryAccess, ref: SharedMemoryRef, datatype: DataType, count: number, what: string): TensorData {
  if (datatype !== 'BYTES') {
    const expected = count * elementSize(datatype);
    if (ref.byteSize !== expected) throw invalidArgument(`${what} has shared_memory_byte_size ${ref.byteSize}, but ${count} elements of ${datatype} take ${expected} bytes`);
  }
  const bytes = access.read(ref, what);
  return datatype === 'BYTES' ? decodeBytesElements(bytes, count, what) : viewOrCopy(datatype, bytes);
}

/** Output regions are checked before the model runs: a bad one fails the request, not its answer. */
export function checkOutputRegions(access: SharedMemoryAccess, outputs: readonly RequestedOutput[] | undefined): void {
  if (!outputs) return;
  for (const o of outputs) if (o.sharedMemory) access.check(o.sharedMemory, `output '${o.name}'`);
}

/** A tensor's bytes as they go into a region (BYTES elements each after a 4-byte length, as on the wire). */
function serialized(tensor: Tensor): Uint8Array {
  if (tensor.datatype !== 'BYTES') return bytesOf(tensor.data as NumericData);
  const elems = tensor.data as Buffer[];
  const out = Buffer.allocUnsafe(elems.reduce((n, e) => n + 4 + e.length, 0));
  writeBytesElements(elems, out, 0);
  return out;
}

/**
 * Writes the outputs that go to shared memory into their regions; every size is checked before
 * any is written, so a failed request leaves the client's regions as they were.
 */
export function writeSharedMemoryOutputs(access: SharedMemoryAccess, outputs: readonly { tensor: Tensor; sharedMemory?: SharedMemoryRef }[]): void {
  const pending: Array<[SharedMemoryRef, Uint8Array, string]> = [];
  for (const { tensor, sharedMemory: ref } of outputs) {
    if (!ref) continue;
    const bytes = serialized(tensor);
    const what = `output '${tensor.name}'`;
    if (bytes.byteLength > ref.byteSize) {
      throw invalidArgument(`${what} has ${bytes.byteLength} bytes but its shared_memory_byte_size is ${ref.byteSize}; give a larger region`);
    }
    pending.push([ref, bytes, what]);
  }
  for (const [ref, bytes, what] of pending) access.write(ref, bytes, what);
}

interface Region extends RegionStatus {
  object: SharedObject;
}

/** An open shared-memory object; regions of the same object share its descriptor. */
interface SharedObject {
  id: string;  // device:inode
  fd: number;
  regions: number;
}

// Bounds on what clients can make the server hold open: each object is a file descriptor.
const kMaxRegions = 4096;
const kMaxObjects = 256;

export interface SharedMemoryLimits {
  /** Where shm_open keeps its objects (tests may point it elsewhere). */
  dir?: string;
  /** The largest input read from a region (bytes): the server's --http-max-input-size. */
  maxInputBytes?: number;
}

/** The registered system shared-memory regions of one server. */
export class SystemSharedMemory implements SharedMemoryAccess {
  readonly #regions = new Map<string, Region>();
  readonly #objects = new Map<string, SharedObject>();
  readonly #allowed: boolean;
  readonly #dir: string;
  readonly #maxInputBytes: number;

  constructor(allowed: boolean, limits: SharedMemoryLimits = {}) {
    this.#allowed = allowed;
    this.#dir = limits.dir ?? SHM_DIR;
    this.#maxInputBytes = limits.maxInputBytes ?? 64 * 1024 * 1024;
  }

  register(name: unknown, key: unknown, offset: unknown, byteSize: unknown): void {
    if (!this.#allowed) {
      throw new LarchError('UNSUPPORTED', 'client shared memory is disabled; start the server with --allow-client-shm=true to register regions (as with Triton)');
    }
    if (typeof name !== 'string' || name === '') throw invalidArgument('a shared-memory region needs a non-empty "name"');
    if (typeof key !== 'string') throw invalidArgument(`shared-memory region '${name}' needs a string "key" (the name given to shm_open)`);
    const off = nonNegativeInteger(offset ?? 0, `shared-memory region '${name}' "offset"`);
    const size = nonNegativeInteger(byteSize, `shared-memory region '${name}' "byte_size"`);
    if (this.#regions.has(name)) {
      throw new LarchError('ALREADY_EXISTS', `shared-memory region '${name}' is already registered; unregister it first`);
    }
    if (this.#regions.size >= kMaxRegions) {
      throw new LarchError('RESOURCE_EXHAUSTED', `${kMaxRegions} shared-memory regions are registered, the most larch keeps; unregister some first`);
    }
    // shm_open's name: one leading slash, then a single path component.
    const objectName = key.replace(/^\/+/, '');
    if (objectName === '' || objectName === '.' || objectName === '..' || objectName.includes('/') || objectName.includes('\0')) {
      throw invalidArgument(`shared-memory key "${key}" is not a shm_open name ("/name", one component)`);
    }
    let fd: number;
    try {
      // No symbolic links (the key names an object in the shm folder, not a file elsewhere), and
      // no waiting on a FIFO someone put there (the object must be a plain file, checked below).
      fd = openSync(path.join(this.#dir, objectName), constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      throw invalidArgument(`unable to open shared-memory object "${key}" for region '${name}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let object: SharedObject;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw invalidArgument(`shared-memory key "${key}" does not name a shared-memory object`);
      if (off + size > st.size) {
        throw invalidArgument(`shared-memory region '${name}' (offset ${off}, byte_size ${size}) extends past the end of "${key}" (${st.size} bytes)`);
      }
      const id = `${st.dev}:${st.ino}`;
      const known = this.#objects.get(id);
      if (known) {
        closeSync(fd);
        object = known;
      } else {
        if (this.#objects.size >= kMaxObjects) {
          throw new LarchError('RESOURCE_EXHAUSTED', `regions of ${kMaxObjects} shared-memory objects are registered, the most larch keeps open; unregister some first`);
        }
        object = { id, fd, regions: 0 };
        this.#objects.set(id, object);
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    object.regions++;
    this.#regions.set(name, { name, key, offset: off, byte_size: size, object });
  }

  /**
   * Unregisters one region, or every region when `name` is empty. An unknown name is no error (as
   * in Triton), nor is unregistering on a server that refuses registration: there is nothing to do.
   */
  unregister(name?: string): void {
    if (!name) {
      this.close();
      return;
    }
    const r = this.#regions.get(name);
    if (!r) return;
    this.#regions.delete(name);
    if (--r.object.regions === 0) {
      this.#objects.delete(r.object.id);
      closeSync(r.object.fd);
    }
  }

  status(name?: string): RegionStatus[] {
    if (!name) return [...this.#regions.values()].map(statusOf);
    const r = this.#regions.get(name);
    if (!r) throw notFound(`no shared-memory region '${name}' is registered`);
    return [statusOf(r)];
  }

  /** Unregisters every region (also at server shutdown). */
  close(): void {
    for (const o of this.#objects.values()) closeSync(o.fd);
    this.#objects.clear();
    this.#regions.clear();
  }

  /** The region of `ref` and the position of its bytes in the object. Looked up by name on every use. */
  #locate(ref: SharedMemoryRef, what: string): [Region, number] {
    const r = this.#regions.get(ref.region);
    if (!r) throw invalidArgument(`${what} names shared-memory region '${ref.region}', which is not registered`);
    if (ref.offset + ref.byteSize > r.byte_size) {
      throw invalidArgument(`${what}: offset ${ref.offset} + byte_size ${ref.byteSize} exceed shared-memory region '${ref.region}' (${r.byte_size} bytes)`);
    }
    return [r, r.offset + ref.offset];
  }

  check(ref: SharedMemoryRef, what: string): void {
    this.#locate(ref, what);
  }

  read(ref: SharedMemoryRef, what: string): Buffer {
    const [r, at] = this.#locate(ref, what);
    if (ref.byteSize > this.#maxInputBytes) {
      throw new LarchError('PAYLOAD_TOO_LARGE', `${what} has ${ref.byteSize} bytes in shared memory, more than the largest accepted input (${this.#maxInputBytes} bytes, --http-max-input-size)`);
    }
    const out = Buffer.allocUnsafe(ref.byteSize);
    let done = 0;
    while (done < out.length) {
      const n = this.#io(() => readSync(r.object.fd, out, done, out.length - done, at + done), r, 'reading', what);
      if (n === 0) throw invalidArgument(`${what}: shared-memory object "${r.key}" of region '${r.name}' is shorter than when it was registered`);
      done += n;
    }
    return out;
  }

  write(ref: SharedMemoryRef, bytes: Uint8Array, what: string): void {
    const [r, at] = this.#locate(ref, what);
    if (bytes.byteLength > ref.byteSize) {
      throw invalidArgument(`${what} has ${bytes.byteLength} bytes but its shared_memory_byte_size is ${ref.byteSize}; give a larger region`);
    }
    let done = 0;
    while (done < bytes.byteLength) {
      done += this.#io(() => writeSync(r.object.fd, bytes, done, bytes.byteLength - done, at + done), r, 'writing', what);
    }
  }

  /** A read or write of a region; a failure (a full tmpfs, say) is the request's error, named. */
  #io(op: () => number, r: Region, doing: string, what: string): number {
    try {
      return op();
    } catch (err) {
      throw invalidArgument(`${what}: ${doing} shared-memory region '${r.name}' ("${r.key}") failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}

function statusOf(r: Region): RegionStatus {
  return { name: r.name, key: r.key, offset: r.offset, byte_size: r.byte_size };
}

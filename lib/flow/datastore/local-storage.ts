// The local-filesystem Storage: everything under one root directory (default `.larch/`).
//
// Atomicity: every write goes to `<root>/tmp/<pid>-<random>` on the same filesystem and is then
// renamed into place (rename(2) is atomic), so a writer killed at any instant (kill -9 included)
// leaves at worst an orphaned temp file, never a truncated blob or metadata file. Writes are not
// fsync'ed: they survive a process crash, not a power loss.
//
// Blob writes of large payloads overlap hashing with writing: the temp file is written by libuv's
// thread pool while this thread computes the sha256 of the same (read-only) bytes; the file is
// renamed to blobs/<h0h1>/<sha256> once both finish, or dropped when that blob already exists.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatastoreError } from '../errors.js';
import { blobKey } from './layout.js';
import type { BlobInfo, LogSink, SyncReadableStorage } from './storage.js';

/** Below this size, hash first and skip the write entirely when the blob exists. */
const kOverlapThreshold = 1 << 20;

export class LocalStorage implements SyncReadableStorage {
  readonly location: string;
  readonly #tmp: string;
  #tmpReady = false;

  constructor(root: string) {
    this.location = path.resolve(root);
    this.#tmp = path.join(this.location, 'tmp');
  }

  #path(key: string): string {
    if (key.split('/').some((p) => p === '..' || p === '')) {
      throw new DatastoreError('INVALID_ARGUMENT', `invalid datastore key "${key}"`);
    }
    return path.join(this.location, key);
  }

  async #tempFile(): Promise<string> {
    if (!this.#tmpReady) { await mkdir(this.#tmp, { recursive: true }); this.#tmpReady = true; }
    return path.join(this.#tmp, `${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  async putBlob(chunks: readonly Uint8Array[]): Promise<BlobInfo> {
    const size = chunks.reduce((n, c) => n + c.byteLength, 0);
    if (size < kOverlapThreshold) {
      const hash = sha256(chunks);
      const dest = this.#path(blobKey(hash));
      if (existsSync(dest)) return { hash, size, existed: true };
      const tmp = await this.#tempFile();
      await writeFile(tmp, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks as Uint8Array[]));
      return this.#publishBlob(tmp, dest, hash, size);
    }
    const tmp = await this.#tempFile();
    const fh = await open(tmp, 'wx');
    let hash: string;
    try {
      const writing = writeAll(fh, chunks);
      // Runs on this thread while the thread pool writes the same bytes (read-only on both sides).
      hash = sha256(chunks);
      await writing;
    } catch (err) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await fh.close();
    return this.#publishBlob(tmp, this.#path(blobKey(hash)), hash, size);
  }

  async #publishBlob(tmp: string, dest: string, hash: string, size: number): Promise<BlobInfo> {
    if (existsSync(dest)) { await unlink(tmp); return { hash, size, existed: true }; }
    await mkdir(path.dirname(dest), { recursive: true });
    await rename(tmp, dest);   // identical content under the same name: a racing writer is harmless
    return { hash, size, existed: false };
  }

  async getBlob(hash: string): Promise<Uint8Array> {
    try {
      return await readFile(this.#path(blobKey(hash)));
    } catch (err) {
      throw missingBlob(hash, err);
    }
  }

  getBlobSync(hash: string): Uint8Array {
    try {
      return readFileSync(this.#path(blobKey(hash)));
    } catch (err) {
      throw missingBlob(hash, err);
    }
  }

  async putObject(key: string, data: Uint8Array | string, options?: { ifAbsent?: boolean }): Promise<boolean> {
    const dest = this.#path(key);
    const tmp = await this.#tempFile();
    await writeFile(tmp, data);
    await mkdir(path.dirname(dest), { recursive: true });
    if (options?.ifAbsent) {
      // link(2) fails with EEXIST atomically, unlike a check followed by rename.
      try {
        await link(tmp, dest);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      } finally {
        await unlink(tmp).catch(() => {});
      }
    }
    await rename(tmp, dest);
    return true;
  }

  async getObject(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  getObjectSync(key: string): Uint8Array | undefined {
    try {
      return readFileSync(this.#path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    try {
      return (await readdir(this.#path(prefix))).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw err;
    }
  }

  listSync(prefix: string): string[] {
    try {
      return readdirSync(this.#path(prefix)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw err;
    }
  }

  async openLog(key: string): Promise<LogSink> {
    const file = this.#path(key);
    await mkdir(path.dirname(file), { recursive: true });
    const stream = createWriteStream(file, { flags: 'a' });
    return {
      write: (chunk) => { stream.write(chunk); },
      close: () => new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve()))),
    };
  }

  /** Size in bytes of a stored blob (for `flow artifacts`), or undefined. */
  async blobSize(hash: string): Promise<number | undefined> {
    try { return (await stat(this.#path(blobKey(hash)))).size; } catch { return undefined; }
  }

  /** Makes sure the root exists (so a first run can allocate IDs). */
  ensureRoot(): void {
    mkdirSync(this.location, { recursive: true });
  }
}

function sha256(chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

async function writeAll(fh: import('node:fs/promises').FileHandle, chunks: readonly Uint8Array[]): Promise<void> {
  let position = 0;
  for (const chunk of chunks) {
    let done = 0;
    while (done < chunk.byteLength) {
      const { bytesWritten } = await fh.write(chunk, done, chunk.byteLength - done, position);
      done += bytesWritten;
      position += bytesWritten;
    }
  }
}

function missingBlob(hash: string, err: unknown): DatastoreError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DatastoreError('NOT_FOUND', `artifact blob ${hash} is missing from the datastore`, { cause: err });
  return new DatastoreError('INTERNAL', `cannot read artifact blob ${hash}: ${(err as Error).message}`, { cause: err });
}

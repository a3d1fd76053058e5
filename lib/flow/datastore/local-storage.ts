// The local-filesystem Storage: everything under one root directory (default `.larch/`).
//
// Atomicity: every write goes to `<root>/tmp/<pid>-<random>` on the same filesystem and is then
// renamed into place (rename(2) is atomic), so a writer killed at any instant (kill -9 included)
// leaves at worst an orphaned temp file, never a truncated blob or metadata file. Writes are not
// fsync'ed: they survive a process crash, not a power loss.
//
// Blobs are named by their blob name (blob-name.ts: a SHA-256 tree hash over 1 MiB chunks).
// Large payloads are written and named in one native call (writeBlobFile): one thread writes the
// temp file chunk by chunk while the others hash chunks of the same (read-only) bytes; the file
// is renamed to blobs/<h0h1>/<name> once both finish, or dropped when that blob already exists.
// Small payloads are named first, and not written at all when the blob exists.
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DatastoreError } from '../errors.js';
import { blobName, writeBlobFile } from './blob-name.js';
import { blobKey } from './layout.js';
import type { BlobInfo, LogSink, SyncReadableStorage } from './storage.js';

/** Below this size (one leaf of the blob name), name first and skip the write when the blob exists. */
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
    if (!Array.isArray(chunks) || chunks.some((c) => !ArrayBuffer.isView(c))) {
      throw new DatastoreError('INVALID_ARGUMENT', 'putBlob expects an array of Uint8Array chunks');
    }
    const size = chunks.reduce((n, c) => n + c.byteLength, 0);
    if (size < kOverlapThreshold) {
      const hash = blobName(chunks);
      const dest = this.#path(blobKey(hash));
      if (existsSync(dest)) return { hash, size, existed: true };
      const tmp = await this.#tempFile();
      await writeFile(tmp, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks as Uint8Array[]));
      return this.#publishBlob(tmp, dest, hash, size);
    }
    const tmp = await this.#tempFile();
    const hash = await writeBlobFile(tmp, chunks);   // removes tmp itself when it fails
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

function missingBlob(hash: string, err: unknown): DatastoreError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new DatastoreError('NOT_FOUND', `artifact blob ${hash} is missing from the datastore`, { cause: err });
  return new DatastoreError('INTERNAL', `cannot read artifact blob ${hash}: ${(err as Error).message}`, { cause: err });
}

// The storage backend of the flow datastore: six methods, so an object store (S3, GCS) is one new
// file implementing this interface. Keys are '/'-separated relative paths (see layout.ts).
//
// Guarantees every implementation must give:
// - putBlob and putObject are atomic: a reader sees the old state or the complete new bytes, never
//   a prefix, even if the writer is killed mid-write (local: temp file + rename).
// - Blobs are content-addressed by their blob name (blob-name.ts: SHA-256 over 1 MiB leaves,
//   `SHA-256("larch-blob-v1" 0x00 || u64le size || SHA-256(chunk_0) || ...)`) and written once:
//   storing bytes that are already present does not rewrite them. Another backend must name
//   blobs with blobName() (or writeBlobFile()) so that every store agrees on names.

export interface BlobInfo {
  /** The blob name of the bytes (blob-name.ts), 64 lower-case hex digits. */
  hash: string;
  size: number;
  /** True when the blob was already stored (nothing was written). */
  existed: boolean;
}

/** An append-only per-task log stream (stdout/stderr of one attempt). */
export interface LogSink {
  write(chunk: Uint8Array | string): void;
  close(): Promise<void>;
}

export interface Storage {
  /** A human-readable location, e.g. the local root directory. */
  readonly location: string;
  /** Stores the concatenation of `chunks` under its blob name. */
  putBlob(chunks: readonly Uint8Array[]): Promise<BlobInfo>;
  /** The bytes of a blob in one buffer owned by the caller (views into it are safe). */
  getBlob(hash: string): Promise<Uint8Array>;
  /**
   * Atomically writes a small object. With `ifAbsent`, fails (returns false) when the key exists,
   * atomically: the primitive behind run-ID allocation.
   */
  putObject(key: string, data: Uint8Array | string, options?: { ifAbsent?: boolean }): Promise<boolean>;
  /** The object's bytes, or undefined when absent. */
  getObject(key: string): Promise<Uint8Array | undefined>;
  /** Names directly under `prefix` (files and folders), sorted; [] when the prefix is absent. */
  list(prefix: string): Promise<string[]>;
  /** Opens a log stream; an object store would upload it on close. */
  openLog(key: string): Promise<LogSink>;
}

/**
 * Synchronous reads, offered by stores that can answer without a round trip (the local one).
 * The client API (lib/flow/client) and lazy artifact loading in tasks use it, because
 * `task.data.model` and `this.model` are plain property reads.
 */
export interface SyncReadableStorage extends Storage {
  getBlobSync(hash: string): Uint8Array;
  getObjectSync(key: string): Uint8Array | undefined;
  listSync(prefix: string): string[];
}

export function isSyncReadable(s: Storage): s is SyncReadableStorage {
  return typeof (s as Partial<SyncReadableStorage>).getBlobSync === 'function';
}

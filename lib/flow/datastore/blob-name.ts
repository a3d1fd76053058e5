// Blob names: the one implementation (native/flow/blob_hash.cc, through the addon) used wherever
// a blob is named or checked. The definition, version 1, for the n blob bytes split into
// k = ceil(n / 1 MiB) chunks of 1 MiB (the last one shorter; none when n = 0):
//
//   leaf_i = SHA-256(chunk_i)
//   name   = SHA-256("larch-blob-v1" 0x00 || n as u64 little-endian || leaf_0 || ... || leaf_{k-1})
//
// written as 64 lower-case hex digits. Why not a plain SHA-256 of the bytes: that is one
// sequential chain (about 1.7 GB/s on one core even with SHA-NI), slower than writing the same
// bytes to the page cache; independent leaves let every core hash while another writes. The
// domain prefix and the size keep one blob's root message from ever equalling another's, and a
// leaf digest is never used as a name. Outside tools recompute a name with any SHA-256 (the
// README's datastore section has a five-line Python version).
import { addon } from '../../native.js';
import { DatastoreError } from '../errors.js';

/** The leaf size of the blob name. Part of the definition: changing it renames every blob. */
export const kBlobChunkSize = 1 << 20;
/** The domain string at the start of the root message (followed by one zero byte). */
export const kBlobNameDomain = 'larch-blob-v1';

interface FlowNative {
  blobName(chunks: readonly ArrayBufferView[]): string;
  writeBlobFile(path: string, chunks: readonly ArrayBufferView[]): Promise<string>;
  sha256(chunks: readonly ArrayBufferView[]): string;
  sha256Implementation(): string;
  sha256ForcePortable(force: boolean): boolean;
}

const native = addon as unknown as FlowNative;

/** The blob name of the concatenation of `chunks` (hashed on all cores when large). */
export function blobName(chunks: readonly ArrayBufferView[]): string {
  try {
    return native.blobName(chunks);
  } catch (err) {
    throw asDatastoreError(err, 'cannot name blob');
  }
}

/**
 * Creates `file` (which must not exist), writes the concatenation of `chunks` into it and
 * resolves to their blob name. Hashing and writing run in parallel on native threads; the
 * chunks are read in place and must not be modified until the promise settles. On failure the
 * file is removed and the promise rejects with a DatastoreError.
 */
export async function writeBlobFile(file: string, chunks: readonly ArrayBufferView[]): Promise<string> {
  try {
    return await native.writeBlobFile(file, chunks);
  } catch (err) {
    throw asDatastoreError(err, 'cannot write blob');
  }
}

/** Plain SHA-256 with the same native code (for tests and benchmarks of the primitive). */
export const nativeSha256 = (chunks: readonly ArrayBufferView[]): string => native.sha256(chunks);
/**
 * The SHA-256 compression paths the addon uses on this CPU: 'sha-ni' and/or 'avx512x16' (16
 * leaves at once), comma-separated, or 'portable'.
 */
export const sha256Implementation = (): string => native.sha256Implementation();
/** Forces the portable SHA-256 path (tests run both); returns the previous setting. */
export const sha256ForcePortable = (force: boolean): boolean => native.sha256ForcePortable(force);

function asDatastoreError(err: unknown, what: string): DatastoreError {
  const e = err as { code?: string; syscallCode?: string; message?: string };
  if (e?.code === 'INVALID_ARGUMENT') return new DatastoreError('INVALID_ARGUMENT', `${what}: ${e.message}`, { cause: err });
  const full = e?.syscallCode === 'ENOSPC' || e?.syscallCode === 'EDQUOT';
  return new DatastoreError(full ? 'RESOURCE_EXHAUSTED' : 'INTERNAL', `${what}: ${e?.message ?? String(err)}`, { cause: err });
}

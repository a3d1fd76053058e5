// The flow datastore: content-addressed artifact blobs plus per-task metadata (see layout.ts).
import path from 'node:path';
import { LocalStorage } from './local-storage.js';

export * from './storage.js';
export * from './layout.js';
export * from './blob-name.js';
export * from './envelope.js';
export * from './task-store.js';
export * from './run-store.js';
export { LocalStorage } from './local-storage.js';
export { toTaggedJson, fromTaggedJson } from './tagged-json.js';

/** The datastore root: an explicit option, else $LARCH_DATASTORE, else `.larch` in the working directory. */
export function resolveDatastoreRoot(explicit?: string): string {
  return path.resolve(explicit ?? (process.env.LARCH_DATASTORE || '.larch'));
}

export function openLocalDatastore(explicit?: string): LocalStorage {
  return new LocalStorage(resolveDatastoreRoot(explicit));
}

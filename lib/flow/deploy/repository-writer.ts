// Where deploy() writes model versions. A Triton model repository is a tree of folders; the
// writer interface is what an object store (S3, GCS) would implement later: list the versions
// of a model, publish a whole version at once, replace the model's config.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface RepositoryWriter {
  /** A human-readable location, e.g. the folder or bucket URL. */
  readonly location: string;
  /** Numeric versions of a model that exist (fully published) now. */
  listVersions(model: string): Promise<number[]>;
  /**
   * Publishes DIR/<model>/<version>/ with exactly `files` (name -> bytes). Atomic: a reader
   * (a polling server) sees either no such version or all of its files. Fails if it exists.
   */
  publishVersion(model: string, version: number, files: Record<string, Uint8Array>): Promise<void>;
  /** Atomically replaces DIR/<model>/<name> (config.pbtxt). */
  writeModelFile(model: string, name: string, bytes: Uint8Array): Promise<void>;
}

async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A model repository on a local (or mounted) file system. */
export class LocalRepositoryWriter implements RepositoryWriter {
  readonly location: string;
  constructor(root: string) {
    this.location = path.resolve(root);
  }

  async listVersions(model: string): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(path.join(this.location, model));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.filter((n) => /^[0-9]+$/.test(n)).map(Number).sort((a, b) => a - b);
  }

  async publishVersion(model: string, version: number, files: Record<string, Uint8Array>): Promise<void> {
    const modelDir = path.join(this.location, model);
    await mkdir(modelDir, { recursive: true });
    // Staged under a dot-name, which Triton and larch ignore (not a numeric version folder),
    // then renamed into place: rename(2) of a directory is atomic on one file system.
    const staging = path.join(modelDir, `.staging-${version}-${randomBytes(4).toString('hex')}`);
    await mkdir(staging);
    try {
      for (const [name, bytes] of Object.entries(files)) await writeDurably(path.join(staging, name), bytes);
      await rename(staging, path.join(modelDir, String(version)));
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new Error(`version ${version} of model "${model}" already exists in ${this.location}`);
      }
      throw err;
    }
  }

  async writeModelFile(model: string, name: string, bytes: Uint8Array): Promise<void> {
    const modelDir = path.join(this.location, model);
    await mkdir(modelDir, { recursive: true });
    const tmp = path.join(modelDir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    await writeDurably(tmp, bytes);
    await rename(tmp, path.join(modelDir, name));
  }
}


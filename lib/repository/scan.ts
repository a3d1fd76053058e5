// Reads a Triton model repository's layout: DIR/<model>/config.pbtxt and numeric version
// folders DIR/<model>/<version>/. Each model and version gets a fingerprint (names, sizes and
// mtimes of every file below it) so the poller can tell what was added, removed or changed.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface VersionDir {
  version: string;
  dir: string;
  fingerprint: string;
}

export interface ModelDir {
  name: string;
  dir: string;
  /** '' when the model has no config.pbtxt (auto-complete makes one). */
  configFingerprint: string;
  versions: VersionDir[];
}

/** Triton's rule: a version folder is a positive decimal number without a leading zero. */
export const isVersionName = (name: string) => /^[1-9][0-9]*$/.test(name) && Number.isSafeInteger(Number(name));

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;   // removed while we looked, or unreadable: treated as absent
  }
}

/** Hash of every file's relative path, size and mtime below `dir`. */
export async function fingerprint(dir: string): Promise<string> {
  const h = createHash('sha1');
  const walk = async (d: string, rel: string): Promise<void> => {
    const list = await entries(d);
    if (!list) return;
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of list) {
      const p = path.join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        h.update(`d ${r}\n`);
        await walk(p, r);
      } else {
        const st = await stat(p).catch(() => undefined);
        if (st) h.update(`f ${r} ${st.size} ${st.mtimeMs}\n`);
      }
    }
  };
  await walk(dir, '');
  return h.digest('hex');
}

/** The model folder `name` under `root`, or undefined if it is not there. */
export async function scanModel(root: string, name: string): Promise<ModelDir | undefined> {
  const dir = path.join(root, name);
  const list = await entries(dir);
  if (!list) return undefined;
  const versions: VersionDir[] = [];
  let configFingerprint = '';
  for (const e of list) {
    if (e.isDirectory() && isVersionName(e.name)) {
      const vdir = path.join(dir, e.name);
      versions.push({ version: e.name, dir: vdir, fingerprint: await fingerprint(vdir) });
    } else if (e.name === 'config.pbtxt' && !e.isDirectory()) {
      const st = await stat(path.join(dir, e.name)).catch(() => undefined);
      if (st) configFingerprint = `${st.size} ${st.mtimeMs}`;
    }
  }
  versions.sort((a, b) => Number(a.version) - Number(b.version));
  return { name, dir, configFingerprint, versions };
}

/** Every model folder under `root` (hidden folders and plain files are skipped). */
export async function scanRepository(root: string): Promise<Map<string, ModelDir>> {
  const list = await entries(root);
  if (!list) return new Map();
  const out = new Map<string, ModelDir>();
  for (const e of list) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const m = await scanModel(root, e.name);
    if (m) out.set(e.name, m);
  }
  return out;
}

// lineage.json in a version folder, written by `deploy` from a flow step: which run, step, task
// and data produced the model. Its fields become model metadata parameters (all of them, as
// larch_<field>) and response parameters (the ones that identify the run, plus the version).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LarchError } from '../protocol/errors.js';

export type ParameterValue = string | number | boolean;

export interface Lineage {
  /** Every field, for model metadata: larch_run, larch_flow, larch_step, larch_task, larch_data_hash, ... */
  metadata: Record<string, ParameterValue>;
  /** What every inference response carries. */
  response: Record<string, ParameterValue>;
}

// lineage.json field -> parameter name; fields not listed become larch_<field>, fields already
// named larch_* keep their name. `version` is left out: larch_model_version comes from the
// folder the version is served from.
const renamed: Record<string, string | null> = { run_id: 'larch_run', run: 'larch_run', version: null };
const responseKeys = ['larch_run', 'larch_flow', 'larch_step', 'larch_task'];

export const LINEAGE_FILE = 'lineage.json';

/** Reads DIR/<model>/<version>/lineage.json; without one, both maps are empty. */
export async function readLineage(versionDir: string, version: string): Promise<Lineage> {
  const metadata: Record<string, ParameterValue> = {};
  const file = path.join(versionDir, LINEAGE_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new LarchError('INVALID_ARGUMENT', `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  if (text !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new LarchError('INVALID_ARGUMENT', `${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw new LarchError('INVALID_ARGUMENT', `${file} must hold a JSON object`);
    }
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
      if (v === null || v === undefined) continue;
      const key = k in renamed ? renamed[k] : k.startsWith('larch_') ? k : `larch_${k}`;
      if (key === null || key === undefined) continue;
      metadata[key] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
    }
  }
  const response: Record<string, ParameterValue> = {};
  if (text === undefined) return { metadata, response };   // a plain Triton repository: nothing added
  metadata.larch_model_version = version;
  for (const k of responseKeys) if (metadata[k] !== undefined) response[k] = metadata[k]!;
  response.larch_model_version = version;
  return { metadata, response };
}

// Output class labels (Triton's label_filename): a text file in the model's directory with one
// label per line, line i naming class i. The classification extension appends the label to each
// "score:index" it returns. Read once per loaded version.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LarchError } from '../protocol/errors.js';
import type { ModelConfig } from './model-config.js';

const kMaxLabelFileBytes = 64 * 1024 * 1024;

/** Labels per output that declares a label_filename; undefined when none does. */
export async function readOutputLabels(cfg: ModelConfig, modelDir: string): Promise<Record<string, readonly string[]> | undefined> {
  let labels: Record<string, readonly string[]> | undefined;
  for (const output of cfg.output) {
    const file = output.label_filename;
    if (!file) continue;
    const what = `label_filename "${file}" of output "${output.name}" of model "${cfg.name}"`;
    const full = path.resolve(modelDir, file);
    if (path.isAbsolute(file) || !full.startsWith(path.resolve(modelDir) + path.sep)) {
      throw new LarchError('INVALID_ARGUMENT', `${what} must name a file inside the model directory`);
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(full);
    } catch (err) {
      throw new LarchError('INVALID_ARGUMENT', `${what} cannot be read: ${(err as Error).message}`);
    }
    if (bytes.length > kMaxLabelFileBytes) throw new LarchError('INVALID_ARGUMENT', `${what} is larger than ${kMaxLabelFileBytes} bytes`);
    const lines = bytes.toString('utf8').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    if (lines.length && lines[lines.length - 1] === '') lines.pop();  // the final newline ends a line, it starts none
    (labels ??= {})[output.name] = Object.freeze(lines);
  }
  return labels;
}

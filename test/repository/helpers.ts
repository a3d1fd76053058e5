// Builds model repositories in temporary folders for repository tests.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class TempRepo {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'larch-repo-test-'));

  /** Writes DIR/<rel>; later writes get a later mtime so the poller sees the change. */
  write(rel: string, content: string): this {
    const file = path.join(this.root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    const t = new Date(Date.now() + TempRepo.#tick++ * 1000);
    utimesSync(file, t, t);
    return this;
  }

  static #tick = 1;

  /** A fake-backend model with the given versions ({ version: scale }). */
  model(name: string, versions: Record<string, number>, config = 'backend: "fake"\nmax_batch_size: 8\n'): this {
    if (config !== '') this.write(`${name}/config.pbtxt`, config);
    for (const [v, scale] of Object.entries(versions)) this.write(`${name}/${v}/model.fake`, JSON.stringify({ scale }));
    return this;
  }

  remove(rel: string): this {
    rmSync(path.join(this.root, rel), { recursive: true, force: true });
    return this;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export const fp32 = (...xs: number[]) => ({ name: 'input__0', datatype: 'FP32' as const, shape: [1, xs.length], data: new Float32Array(xs) });

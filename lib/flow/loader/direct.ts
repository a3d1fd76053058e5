// A faster path for worker processes: when a flow file imports nothing but `larch`,
// `larch/flow` and Node built-ins (the usual case), the runner writes one self-contained ES
// module (transpiled, with those specifiers turned into file: URLs of this package and
// import.meta.url/filename/dirname pinned to the original file) that workers import without
// installing module hooks, which saves a loader thread per task. Any other import (a sibling
// .ts file, an npm package resolved from the flow's folder) keeps the hook path.
import { createHash } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { configureTranspiler, hasDecorators, transpileCached } from './hooks.js';
import { transpileCacheDir } from './register.js';

const kSpecifier = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\2/g;

/** Returns the file: URL of a hook-free module equivalent to `file`, or undefined. */
export function prepareDirectModule(file: string, source: string): string | undefined {
  const larch = new URL('../../index.js', import.meta.url).href;
  const larchFlow = new URL('../index.js', import.meta.url).href;
  const cacheDir = transpileCacheDir();
  configureTranspiler({ larch, larchFlow, cacheDir });
  const isTs = /\.(ts|mts)$/.test(file);
  if (!isTs && !/\.(js|mjs)$/.test(file)) return undefined;
  let code = isTs || hasDecorators(source) ? transpileCached(source, file) : source;
  let portable = true;
  code = code.replace(kSpecifier, (m, lead: string, q: string, spec: string) => {
    if (spec === 'larch') return `${lead}${q}${larch}${q}`;
    if (spec === 'larch/flow') return `${lead}${q}${larchFlow}${q}`;
    if (isBuiltin(spec)) return m;
    portable = false;
    return m;
  });
  if (!portable) return undefined;
  const url = pathToFileURL(file).href;
  code = code.replace(/\bimport\.meta\.url\b/g, JSON.stringify(url))
    .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(file))
    .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(file)));
  const out = path.join(cacheDir, `${createHash('sha256').update(`${file}\0${code}`).digest('hex')}.direct.mjs`);
  if (!existsSync(out)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, out);
  }
  return pathToFileURL(out).href;
}

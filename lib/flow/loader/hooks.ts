// Module hooks (module.register) that let flow files in TypeScript, or JavaScript with
// decorators, run with no build step, and let them import `larch` / `larch/flow` from anywhere.
//
// Runs on Node's loader thread. A .ts file (or a .js/.mjs file outside node_modules that uses
// decorator syntax) is transpiled with ts.transpileModule (standard decorators, ESNext modules);
// the output is cached on disk by the sha256 of compiler version + options + source, so worker
// processes never load TypeScript for a file the runner already transpiled.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type TS from 'typescript';

export interface HookData {
  /** file: URLs of larch's compiled entry points. */
  larch: string;
  larchFlow: string;
  cacheDir: string;
}

interface ResolveContext { parentURL?: string; conditions: string[] }
interface ResolveResult { url: string; format?: string | null; shortCircuit?: boolean }
interface LoadContext { format?: string | null; conditions: string[] }
interface LoadResult { format: string; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean }
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;
type NextLoad = (url: string, context?: LoadContext) => Promise<LoadResult>;

let data: HookData | undefined;
let ts: typeof TS | undefined;
const kDecorator = /^\s*@[A-Za-z_$][\w$]*/m;

export async function initialize(d: HookData): Promise<void> {
  data = d;
}

/** For the main thread (direct.ts): same transpiler and cache as the hooks. */
export function configureTranspiler(d: HookData): void {
  data = d;
}

export const hasDecorators = (source: string) => kDecorator.test(source);

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  if (data && specifier === 'larch') return { url: data.larch, shortCircuit: true };
  if (data && specifier === 'larch/flow') return { url: data.larchFlow, shortCircuit: true };
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    // TypeScript sources import siblings as './x.js' (NodeNext style) or './x': try the .ts file.
    const parent = context.parentURL;
    if (!parent?.startsWith('file:') || !(specifier.startsWith('./') || specifier.startsWith('../'))) throw err;
    const base = fileURLToPath(new URL(specifier, parent));
    const candidates = base.endsWith('.js') ? [base.slice(0, -3) + '.ts'] : base.endsWith('.mjs') ? [base.slice(0, -4) + '.mts']
      : [base + '.ts', base + '.js', path.join(base, 'index.ts')];
    for (const c of candidates) if (existsSync(c)) return { url: pathToFileURL(c).href, format: 'module', shortCircuit: true };
    throw err;
  }
}

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const isTs = /\.(ts|mts)$/.test(file) && !file.endsWith('.d.ts');
  const isJs = /\.(js|mjs)$/.test(file) && !file.split(path.sep).includes('node_modules') && !file.startsWith(larchRoot());
  if (!isTs && !isJs) return nextLoad(url, context);
  const source = readFileSync(file, 'utf8');
  if (!isTs && !kDecorator.test(source)) return nextLoad(url, context);
  return { format: 'module', source: transpileCached(source, file), shortCircuit: true };
}

function larchRoot(): string {
  return data ? path.dirname(path.dirname(path.dirname(fileURLToPath(data.larchFlow)))) + path.sep : '\0';
}

const kCompilerOptions = {
  module: 99 /* ESNext */, target: 9 /* ES2022 */, sourceMap: false, inlineSourceMap: true, inlineSources: true,
  experimentalDecorators: false, useDefineForClassFields: true, verbatimModuleSyntax: false,
} as const;

export function transpileCached(source: string, file: string): string {
  const dir = data?.cacheDir;
  const key = createHash('sha256').update(`${tsVersion()}\0${JSON.stringify(kCompilerOptions)}\0${file}\0${source}`).digest('hex');
  const cached = dir ? path.join(dir, `${key}.mjs`) : undefined;
  if (cached && existsSync(cached)) return readFileSync(cached, 'utf8');
  const out = transpile(source, file);
  if (cached && dir) {
    try {
      mkdirSync(dir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      writeFileSync(tmp, out);
      renameSync(tmp, cached);
    } catch { /* the cache is an optimisation: a read-only temp dir only costs a re-transpile */ }
  }
  return out;
}

function tsVersion(): string {
  // Read from package.json rather than loading the compiler: that is the point of the cache.
  const req = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(req.resolve('typescript/package.json'), 'utf8')) as { version: string }).version;
}

function transpile(source: string, file: string): string {
  ts ??= createRequire(import.meta.url)('typescript') as typeof TS;
  const result = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: kCompilerOptions as unknown as TS.CompilerOptions,
  });
  const errors = (result.diagnostics ?? []).filter((d) => d.category === ts!.DiagnosticCategory.Error);
  if (errors.length) {
    const d = errors[0]!;
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const where = pos ? `${file}:${pos.line + 1}:${pos.character + 1}` : file;
    throw new SyntaxError(`${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return result.outputText;
}

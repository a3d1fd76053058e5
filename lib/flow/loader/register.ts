// Installs the flow-file hooks (hooks.ts) once per process, and imports a flow file.
import { register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { FlowDefinitionError } from '../errors.js';
import { FlowSpec, type FlowClass } from '../spec.js';
import type { HookData } from './hooks.js';

const kRegistered = Symbol.for('larch.flow.hooksRegistered');

export function transpileCacheDir(): string {
  return process.env.LARCH_TS_CACHE || path.join(os.tmpdir(), `larch-ts-cache-${os.userInfo().uid}`);
}

export function registerFlowHooks(): void {
  const g = globalThis as unknown as Record<symbol, boolean>;
  if (g[kRegistered]) return;
  g[kRegistered] = true;
  const data: HookData = {
    larch: new URL('../../index.js', import.meta.url).href,
    larchFlow: new URL('../index.js', import.meta.url).href,
    cacheDir: transpileCacheDir(),
  };
  register(new URL('./hooks.js', import.meta.url).href, { parentURL: import.meta.url, data });
}

export interface LoadedFlow {
  cls: FlowClass;
  file: string;
  source: string;
}

/** Imports a flow file and picks its flow class: the default export, or the only FlowSpec subclass exported. */
export async function importFlow(file: string, flowName?: string, directUrl?: string): Promise<LoadedFlow> {
  const abs = path.resolve(file);
  let source: string;
  try {
    source = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new FlowDefinitionError(`cannot read flow file ${abs}: ${(err as Error).message}`);
  }
  if (!directUrl) registerFlowHooks();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(directUrl ?? pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    const e = new FlowDefinitionError(`cannot load flow file ${abs}: ${(err as Error).message}`);
    (e as { cause?: unknown }).cause = err;
    throw e;
  }
  const classes = Object.entries(mod).filter(([, v]) => FlowSpec.isFlowClass(v)) as Array<[string, FlowClass]>;
  let cls: FlowClass | undefined;
  if (flowName) cls = classes.find(([, c]) => c.name === flowName)?.[1];
  else if (FlowSpec.isFlowClass(mod.default)) cls = mod.default;
  else if (new Set(classes.map(([, c]) => c)).size === 1) cls = classes[0]![1];
  if (!cls) {
    const names = [...new Set(classes.map(([, c]) => c.name))];
    throw new FlowDefinitionError(flowName
      ? `${abs} exports no FlowSpec class named ${flowName} (found: ${names.join(', ') || 'none'})`
      : names.length ? `${abs} exports several flows (${names.join(', ')}); export one as default`
        : `${abs} exports no class extending FlowSpec; write \`export default class MyFlow extends FlowSpec { ... }\``);
  }
  return { cls, file: abs, source };
}

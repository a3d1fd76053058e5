// Loads the native addon (build/Release/larch.node) and gives it a typed surface.
// Every failure to load is collected into one message that says how to fix it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Finds the package root: dist/lib/native.js lives two levels below it. */
function packageRoot(): string {
  let dir = here;
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = require(path.join(dir, 'package.json')) as { name?: string };
      if (pkg.name === 'larch') return dir;
    } catch { /* keep climbing */ }
    dir = path.dirname(dir);
  }
  return path.resolve(here, '..', '..');
}

export const root = packageRoot();

// The surface each native module adds is declared beside its wrapper (lib/*/native-*.ts);
// this loader only guarantees the addon is there.
export interface NativeAddon {
  abiVersion: number;
  [name: string]: unknown;
}

function loadAddon(): NativeAddon {
  const candidates = [
    process.env.LARCH_ADDON,
    path.join(root, 'build', 'Release', 'larch.node'),
    path.join(root, 'build', 'Debug', 'larch.node'),
  ].filter((p): p is string => !!p);
  const failures: string[] = [];
  for (const file of candidates) {
    try {
      return require(file) as NativeAddon;
    } catch (err) {
      failures.push(`  ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    'larch: could not load the native addon.\n' + failures.join('\n') +
    '\nRun `npm install` (or `npm run build:native`) in the larch folder; it needs g++ (C++20) and cmake.',
  );
}

export const addon: NativeAddon = loadAddon();

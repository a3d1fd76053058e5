// `larch <command>`: dispatches to the module that implements each command. Each module exports
// `main(argv: string[]): Promise<number>` (the exit code) and `summary` (one line for --help).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CommandModule {
  main(argv: string[]): Promise<number>;
  summary: string;
}

// Command name -> module path relative to this file (compiled to dist/lib).
const commands: Record<string, string> = {
  serve: './server/cli.js',
  flow: './flow/cli.js',
  lineage: './flow/lineage-cli.js',
  quickstart: './quickstart/cli.js',
  model: './model-cli.js',
};

const here = path.dirname(fileURLToPath(import.meta.url));

async function loadCommand(name: string): Promise<CommandModule | undefined> {
  const rel = commands[name];
  if (!rel) return undefined;
  return (await import(pathToFileURL(path.join(here, rel)).href)) as CommandModule;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function usage(): Promise<string> {
  const lines = ['Usage: larch <command> [options]', '', 'Commands:'];
  for (const name of Object.keys(commands)) {
    let summary = '';
    try { summary = (await loadCommand(name))?.summary ?? ''; } catch { continue; }
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  lines.push('', 'Run `larch <command> --help` for the options of a command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    process.exitCode = name ? 0 : 1;
    return;
  }
  if (name === '--version' || name === '-v') { console.log(version()); return; }
  const mod = await loadCommand(name);
  if (!mod) {
    console.error(`larch: unknown command "${name}".\n\n${await usage()}`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await mod.main(rest);
}

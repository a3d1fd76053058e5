// A one-paragraph description of the machine a benchmark ran on, for committed results.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export function describeMachine(): string {
  const cpus = os.cpus();
  let distro = '';
  try {
    distro = /PRETTY_NAME="([^"]+)"/.exec(execFileSync('cat', ['/etc/os-release'], { encoding: 'utf8' }))?.[1] ?? '';
  } catch { /* not Linux */ }
  return [
    `${cpus[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} logical cores`,
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `${distro || os.type()} (kernel ${os.release()})`,
    `Node ${process.version}`,
  ].join('; ');
}

// Run progress for the CLI: a live table redrawn in place on a terminal (steps; tasks done,
// running, failed; elapsed), one plain line per event otherwise (logs, CI).
import type { RunEvent } from './runtime.js';

interface StepCounts { done: number; running: number; failed: number; cloned: number; caught: number }

export interface Progress {
  onEvent(e: RunEvent): void;
  stop(): void;
}

export function createProgress(out: NodeJS.WriteStream, live = out.isTTY === true): Progress {
  return live ? new LiveProgress(out) : new PlainProgress(out);
}

class PlainProgress implements Progress {
  readonly #out: NodeJS.WriteStream;
  #run = '';
  constructor(out: NodeJS.WriteStream) { this.#out = out; }
  onEvent(e: RunEvent): void {
    const ts = new Date().toISOString().slice(11, 19);
    const line = (s: string) => this.#out.write(`${ts} ${s}\n`);
    switch (e.type) {
      case 'run-start': this.#run = `${e.flow}/${e.runId}`; line(`run ${this.#run} started`); break;
      case 'task-start': line(`${this.#run}/${e.step}/${e.taskId} started${e.attempt ? ` (attempt ${e.attempt + 1})` : ''}`); break;
      case 'task-done': line(`${this.#run}/${e.step}/${e.taskId} ${e.status === 'ok' ? 'finished' : e.status}`); break;
      case 'task-retry': line(`${this.#run}/${e.step}/${e.taskId} failed, retrying: ${e.error}`); break;
      case 'task-failed': line(`${this.#run}/${e.step}/${e.taskId} FAILED: ${e.error}`); break;
      case 'run-done': line(`run ${this.#run} ${e.status}`); break;
    }
  }
  stop(): void {}
}

class LiveProgress implements Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #steps = new Map<string, StepCounts>();
  readonly #started = Date.now();
  readonly #timer: NodeJS.Timeout;
  readonly #messages: string[] = [];
  #run = '';
  #drawn = 0;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    this.#timer = setInterval(() => this.#draw(), 250);
    this.#timer.unref();
  }

  #counts(step: string): StepCounts {
    let c = this.#steps.get(step);
    if (!c) { c = { done: 0, running: 0, failed: 0, cloned: 0, caught: 0 }; this.#steps.set(step, c); }
    return c;
  }

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'run-start': this.#run = `${e.flow}/${e.runId}`; for (const s of e.steps) this.#counts(s); break;
      case 'task-start': if (e.attempt === 0) this.#counts(e.step).running++; break;
      case 'task-done': {
        const c = this.#counts(e.step);
        if (e.status !== 'cloned') c.running--;
        c.done++;
        if (e.status === 'cloned') c.cloned++;
        if (e.status === 'caught') c.caught++;
        break;
      }
      case 'task-retry': this.#messages.push(`retrying ${e.step}/${e.taskId}: ${e.error}`); break;
      case 'task-failed': { const c = this.#counts(e.step); c.running--; c.failed++; this.#messages.push(`FAILED ${e.step}/${e.taskId}: ${e.error}`); break; }
      case 'run-done': break;
    }
    this.#draw();
  }

  #draw(): void {
    const elapsed = ((Date.now() - this.#started) / 1000).toFixed(1);
    const width = Math.max(4, ...[...this.#steps.keys()].map((s) => s.length));
    const lines = [`${this.#run}  elapsed ${elapsed}s`];
    for (const [name, c] of this.#steps) {
      const extra = [c.cloned ? `${c.cloned} cloned` : '', c.caught ? `${c.caught} caught` : ''].filter(Boolean).join(', ');
      lines.push(`  ${name.padEnd(width)}  done ${String(c.done).padStart(4)}  running ${String(c.running).padStart(3)}  failed ${String(c.failed).padStart(3)}${extra ? `  (${extra})` : ''}`);
    }
    let s = this.#drawn ? `\x1b[${this.#drawn}A` : '';
    for (const m of this.#messages.splice(0)) s += `\x1b[2K${m}\n`;
    for (const l of lines) s += `\x1b[2K${l}\n`;
    this.#out.write(s);
    this.#drawn = lines.length;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#draw();
  }
}

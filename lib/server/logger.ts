// The server's log, with Triton's settings (its logging extension: GET/POST /v2/logging and the
// LogSettings RPC, and the --log-* options): INFO, WARNING and ERROR switched on and off, a
// verbose level, the "default" or "ISO8601" line format, and an optional log file.
//
// Lines look like Triton's. default: "I1207 09:55:00.123456 4242 repository] message" (level,
// month and day, time with microseconds, pid, where); ISO8601: "2026-12-07T09:55:00Z I 4242
// repository] message". larch names the component where Triton names its source file and line.
import { closeSync, openSync, writeSync } from 'node:fs';
import { LarchError, invalidArgument } from '../protocol/errors.js';

export type LogFormat = 'default' | 'ISO8601';

/** Triton's log settings, under Triton's names (the logging extension's JSON). */
export interface LogSettings {
  log_file: string;
  log_info: boolean;
  log_warning: boolean;
  log_error: boolean;
  log_verbose_level: number;
  log_format: LogFormat;
}

export type LogLevel = 'info' | 'warning' | 'error';

export const DEFAULT_LOG_SETTINGS: Readonly<LogSettings> = Object.freeze({
  log_file: '', log_info: true, log_warning: true, log_error: true, log_verbose_level: 0, log_format: 'default',
});

const two = (n: number) => String(n).padStart(2, '0');

function stamp(format: LogFormat, now: Date): string {
  if (format === 'ISO8601') return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const micros = String(now.getMilliseconds() * 1000).padStart(6, '0');  // Date has milliseconds only
  return `${two(now.getMonth() + 1)}${two(now.getDate())} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${micros}`;
}

export class ServerLog {
  #settings: LogSettings;
  readonly #sink: (line: string) => void;
  #fd: number | undefined;

  /** `sink`: where lines go when no log file is set (default: stderr). */
  constructor(settings: Partial<LogSettings> = {}, sink?: (line: string) => void) {
    this.#settings = { ...DEFAULT_LOG_SETTINGS };
    this.#sink = sink ?? ((line) => process.stderr.write(`${line}\n`));
    this.update(settings, true);
  }

  settings(): LogSettings {
    return { ...this.#settings };
  }

  /**
   * Applies the settings given (others keep their values) and returns them all. Types are
   * checked; log_file can be set only at start (--log-file), as with Triton's endpoint.
   */
  update(changes: Record<string, unknown>, atStart = false): LogSettings {
    const next = { ...this.#settings };
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      switch (key) {
        case 'log_info': case 'log_warning': case 'log_error':
          if (typeof value !== 'boolean') throw invalidArgument(`log setting "${key}" must be a boolean, got ${JSON.stringify(value)}`);
          next[key] = value;
          break;
        case 'log_verbose_level':
          if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 32 - 1) {
            throw invalidArgument(`log setting "log_verbose_level" must be an integer >= 0, got ${JSON.stringify(value)}`);
          }
          next.log_verbose_level = value;
          break;
        case 'log_format':
          if (value !== 'default' && value !== 'ISO8601') throw invalidArgument(`log setting "log_format" must be "default" or "ISO8601", got ${JSON.stringify(value)}`);
          next.log_format = value;
          break;
        case 'log_file':
          if (typeof value !== 'string') throw invalidArgument(`log setting "log_file" must be a string, got ${JSON.stringify(value)}`);
          if (!atStart && value !== this.#settings.log_file) {
            throw invalidArgument('log setting "log_file" cannot be changed while the server runs; start it with --log-file');
          }
          next.log_file = value;
          break;
        default:
          throw invalidArgument(`unknown log setting "${key}"; the settings are ${Object.keys(DEFAULT_LOG_SETTINGS).join(', ')}`);
      }
    }
    if (atStart && next.log_file) {
      try {
        this.#fd = openSync(next.log_file, 'a');
      } catch (err) {
        throw new LarchError('INVALID_ARGUMENT', `cannot open --log-file ${next.log_file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    this.#settings = next;
    return this.settings();
  }

  #write(letter: string, where: string, message: string): void {
    const now = new Date();
    const head = this.#settings.log_format === 'ISO8601'
      ? `${stamp('ISO8601', now)} ${letter} ${process.pid} ${where}]`
      : `${letter}${stamp('default', now)} ${process.pid} ${where}]`;
    const line = `${head} ${message}`;
    if (this.#fd !== undefined) writeSync(this.#fd, `${line}\n`);
    else this.#sink(line);
  }

  log(level: LogLevel, where: string, message: string): void {
    const s = this.#settings;
    if (level === 'info' ? s.log_info : level === 'warning' ? s.log_warning : s.log_error) {
      this.#write(level === 'info' ? 'I' : level === 'warning' ? 'W' : 'E', where, message);
    }
  }

  /** Whether verbose messages of `level` are written (so callers build them only then). */
  verboseOn(level: number): boolean {
    return level <= this.#settings.log_verbose_level;
  }

  verbose(level: number, where: string, message: string): void {
    if (this.verboseOn(level)) this.#write('I', where, message);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

// Argument checks for the trainer API. Failures are LarchErrors with code INVALID_ARGUMENT
// (lib/protocol/errors.ts), raised before any native call; native errors are re-created at the
// JS call site so their stack points at user code.
import { LarchError, invalidArgument, toLarchError } from '../protocol/errors.js';

/** Re-throws a native error as a LarchError created here, keeping its code. */
export function nativeError(err: unknown): LarchError {
  const e = toLarchError(err);
  return new LarchError(e.code, e.message, { cause: err });
}

export function checkInteger(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalidArgument(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  return v;
}

export function checkNumber(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw invalidArgument(`${name} must be a number in [${min}, ${max}], got ${String(v)}`);
  return v;
}

export { invalidArgument };

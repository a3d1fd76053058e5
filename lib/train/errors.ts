// Argument errors for the trainer API: a TypeError carrying code INVALID_ARGUMENT, like the
// native layer's, so callers can branch on `err.code` whichever side caught the problem.
export class TrainArgumentError extends TypeError {
  readonly code = 'INVALID_ARGUMENT';
  constructor(message: string) {
    super(message);
    this.name = 'TrainArgumentError';
  }
}

/** Re-throws a native error with a stack that starts at the caller, keeping its code. */
export function nativeError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const e = err instanceof TypeError ? new TypeError(err.message) : new Error(err.message);
  (e as Error & { code?: string }).code = (err as Error & { code?: string }).code;
  return e;
}

export function checkInteger(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new TrainArgumentError(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  return v;
}

export function checkNumber(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new TrainArgumentError(`${name} must be a number in [${min}, ${max}], got ${String(v)}`);
  return v;
}

// The one catalogue of larch's error codes: each with its HTTP status and gRPC status code.
// Front ends map errors to the wire only through `httpStatusOf` / `grpcStatusOf`.

export const ErrorCodes = {
  INVALID_ARGUMENT: { http: 400, grpc: 3 },
  NOT_FOUND: { http: 404, grpc: 5 },
  ALREADY_EXISTS: { http: 409, grpc: 6 },
  UNAVAILABLE: { http: 503, grpc: 14 },
  UNSUPPORTED: { http: 400, grpc: 12 },          // well-formed but not implemented (gRPC UNIMPLEMENTED)
  PAYLOAD_TOO_LARGE: { http: 413, grpc: 8 },     // gRPC RESOURCE_EXHAUSTED
  RESOURCE_EXHAUSTED: { http: 429, grpc: 8 },    // queue full
  DEADLINE_EXCEEDED: { http: 504, grpc: 4 },     // queue timeout
  CANCELLED: { http: 499, grpc: 1 },
  INTERNAL: { http: 500, grpc: 13 },
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

const brand = Symbol.for('larch.error');

/** Every error larch raises on purpose. `message` says what is wrong and, where possible, how to fix it. */
export class LarchError extends Error {
  readonly code: ErrorCode;
  readonly [brand] = true;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LarchError';
    this.code = code;
  }
  static is(err: unknown): err is LarchError {
    return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[brand] === true;
  }
}

export const invalidArgument = (msg: string) => new LarchError('INVALID_ARGUMENT', msg);
export const notFound = (msg: string) => new LarchError('NOT_FOUND', msg);
export const unavailable = (msg: string) => new LarchError('UNAVAILABLE', msg);
export const unsupported = (msg: string) => new LarchError('UNSUPPORTED', msg);
export const internal = (msg: string) => new LarchError('INTERNAL', msg);

/** Native errors arrive as Error with a `code` from native/common/status.h (e.g. "INVALID_ARGUMENT"). */
export function toLarchError(err: unknown): LarchError {
  if (LarchError.is(err)) return err;
  const e = err as { code?: string; message?: string };
  const code = e && typeof e.code === 'string' && e.code in ErrorCodes ? (e.code as ErrorCode) : 'INTERNAL';
  return new LarchError(code, e?.message ?? String(err), { cause: err });
}

export function httpStatusOf(err: unknown): number {
  return ErrorCodes[toLarchError(err).code].http;
}

export function grpcStatusOf(err: unknown): number {
  return ErrorCodes[toLarchError(err).code].grpc;
}

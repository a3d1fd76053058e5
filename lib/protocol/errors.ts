// The one catalogue of larch's error codes: each with its HTTP status and gRPC status code.
// Front ends map errors to the wire only through `httpStatusOf` / `grpcStatusOf`.
//
// The wire statuses are Triton's (its HTTP server's and gRPC server's mapping of its error
// codes): NOT_FOUND 404, UNAVAILABLE 503, UNSUPPORTED 501 / UNIMPLEMENTED, INTERNAL 500, and 400
// for invalid arguments, existing names and cancellations. larch's finer codes map onto the
// status Triton answers the same situation with: a full queue and an expired queue timeout are
// UNAVAILABLE there ("Exceeds maximum queue size", "Request timeout expired"), an oversized body
// is a bad request.
export const ErrorCodes = {
  INVALID_ARGUMENT: { http: 400, grpc: 3 },
  NOT_FOUND: { http: 404, grpc: 5 },
  ALREADY_EXISTS: { http: 400, grpc: 6 },
  UNAVAILABLE: { http: 503, grpc: 14 },
  UNSUPPORTED: { http: 501, grpc: 12 },          // well-formed but not implemented (gRPC UNIMPLEMENTED)
  PAYLOAD_TOO_LARGE: { http: 400, grpc: 3 },     // a body or tensor above --http-max-input-size
  RESOURCE_EXHAUSTED: { http: 503, grpc: 14 },   // queue full (max_queue_size)
  DEADLINE_EXCEEDED: { http: 503, grpc: 14 },    // queue timeout
  CANCELLED: { http: 400, grpc: 1 },
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

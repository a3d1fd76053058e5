// The wire statuses of larch's error codes are Triton's (its HTTP and gRPC servers' mapping),
// so a client written against Triton sees the same status for the same failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grpcStatusOf, httpStatusOf, LarchError, type ErrorCode } from '../../lib/protocol/errors.js';

test('error codes map to the HTTP and gRPC statuses Triton answers with', () => {
  const expected: Record<ErrorCode, [number, number]> = {
    INVALID_ARGUMENT: [400, 3],      // INVALID_ARG
    NOT_FOUND: [404, 5],
    ALREADY_EXISTS: [400, 6],
    UNAVAILABLE: [503, 14],
    UNSUPPORTED: [501, 12],          // gRPC UNIMPLEMENTED
    PAYLOAD_TOO_LARGE: [400, 3],     // a bad request, as the issue and Triton have it
    RESOURCE_EXHAUSTED: [503, 14],   // Triton: UNAVAILABLE "Exceeds maximum queue size"
    DEADLINE_EXCEEDED: [503, 14],    // Triton: UNAVAILABLE "Request timeout expired"
    CANCELLED: [400, 1],
    INTERNAL: [500, 13],
  };
  for (const [code, [http, grpc]] of Object.entries(expected) as Array<[ErrorCode, [number, number]]>) {
    const err = new LarchError(code, 'x');
    assert.equal(httpStatusOf(err), http, `${code} over HTTP`);
    assert.equal(grpcStatusOf(err), grpc, `${code} over gRPC`);
  }
  // Anything that is not a LarchError is INTERNAL.
  assert.equal(httpStatusOf(new Error('boom')), 500);
});

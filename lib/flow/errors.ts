// Errors of the flow runner. Each extends LarchError (lib/protocol/errors.ts) so callers can map
// them like any other larch error; `name` tells the kinds apart in messages and tests.
import { LarchError, type ErrorCode } from '../protocol/errors.js';

/** A graph rule is broken (lib/flow/lint.ts). Names the step and says what to change. */
export class FlowLintError extends LarchError {
  readonly step: string | undefined;
  readonly rule: string;
  constructor(rule: string, step: string | undefined, message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'FlowLintError';
    this.rule = rule;
    this.step = step;
  }
}

/** The flow class or file itself is unusable: decorator misuse, no FlowSpec export, bad parameter. */
export class FlowDefinitionError extends LarchError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'FlowDefinitionError';
  }
}

/** A step broke the rules while running (bad next() call, unserialisable artifact, ...). */
export class FlowStepError extends LarchError {
  readonly step: string;
  constructor(step: string, message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'FlowStepError';
    this.step = step;
  }
}

/** The datastore is missing something or holds something it cannot read. */
export class DatastoreError extends LarchError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DatastoreError';
  }
}

// A step that fails on its first attempt and succeeds on the second (@retry).
import { appendFileSync, readFileSync, existsSync } from 'node:fs';
import { FlowSpec, Parameter, retry, step } from 'larch/flow';

export default class RetryFlow extends FlowSpec {
  static params = { counter: Parameter.string(undefined, 'file counting attempts') };
  declare counter: string;
  declare attempts: number;

  @step async start() { this.next(this.flaky); }
  @retry({ times: 2, minutesBetweenRetries: 0 })
  @step async flaky() {
    appendFileSync(this.counter, 'x');
    const n = existsSync(this.counter) ? readFileSync(this.counter, 'utf8').length : 0;
    if (n < 2) throw new Error(`flaky failure on attempt ${n}`);
    this.attempts = n;
    this.next(this.end);
  }
  @step async end() {}
}

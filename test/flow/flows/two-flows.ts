// Exports two flows and no default: the runner must be told which one (--flow).
import { FlowSpec, step } from 'larch/flow';

export class FirstFlow extends FlowSpec {
  @step async start() { this.next(this.end); }
  @step async end() {}
}
export class SecondFlow extends FlowSpec {
  @step async start() { this.next(this.end); }
  @step async end() {}
}

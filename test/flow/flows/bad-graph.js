// A flow with a graph error (a typo in a transition): `larch flow run` must refuse it before running.
import { FlowSpec, step } from 'larch/flow';

export default class BadGraphFlow extends FlowSpec {
  @step async start() { this.next(this.trian); }
  @step async train() { this.next(this.end); }
  @step async end() {}
}

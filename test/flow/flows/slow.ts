// A flow whose first step waits for a minute: lets a test kill the runner while the run is live.
import { FlowSpec, step } from 'larch/flow';

export default class SlowFlow extends FlowSpec {
  @step async start() { await new Promise((r) => setTimeout(r, 60_000)); this.next(this.end); }
  @step async end() {}
}

// @catchErrors: an exception, a process crash and a timeout are each stored and the flow goes on.
import { catchErrors, FlowSpec, step, timeout } from 'larch/flow';

export default class CatchFlow extends FlowSpec {
  declare before: string;
  declare thrown: Error;
  declare crashed: Error;
  declare slow: Error;
  declare reached: boolean;

  @step async start() { this.before = 'kept'; this.next(this.throws); }
  @catchErrors({ var: 'thrown' })
  @step async throws() { if (this.before === 'kept') throw new RangeError('bad value'); this.next(this.crashes); }
  @catchErrors({ var: 'crashed' })
  @step async crashes() { if (this.before === 'kept') process.exit(7); this.next(this.sleeps); }
  @catchErrors({ var: 'slow' }) @timeout({ seconds: 1 })
  @step async sleeps() { await new Promise((r) => setTimeout(r, 60_000)); this.next(this.end); }
  @step async end() { this.reached = true; }
}

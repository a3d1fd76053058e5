// The example of the README's "Flows" section (keep the two in sync); run by test/flow/run.test.ts.
import { FlowSpec, step, Parameter, retry, timeout, catchErrors, resources } from 'larch/flow';

export default class TrainFlow extends FlowSpec {
  static params = { trees: Parameter.int(100, 'trees per forest') };
  declare trees: number;                 // parameters and artifacts are plain properties
  declare grid: Array<{ depth: number }>;
  declare depth: number;
  declare auc: number;
  declare best: { depth: number; auc: number };

  @step async start() {
    this.grid = [{ depth: 4 }, { depth: 6 }, { depth: 8 }];
    this.next(this.train, { foreach: 'grid' });          // one task per item
  }

  @resources({ cpu: 2, memoryMb: 4000 }) @retry({ times: 2, minutesBetweenRetries: 0 }) @timeout({ minutes: 10 })
  @step async train() {
    this.depth = (this.input as { depth: number }).depth;   // this.input / this.index in a foreach task
    this.auc = 0.9 + this.depth / 100;
    this.next(this.join);
  }

  @step async join(inputs: Array<{ depth: number; auc: number }>) {   // a parameter makes a join
    const best = inputs.reduce((a, b) => (b.auc > a.auc ? b : a));
    this.best = { depth: best.depth, auc: best.auc };
    this.mergeArtifacts(inputs, { exclude: ['depth', 'auc'] });   // copies what all inputs agree on (grid)
    this.next(this.end);
  }

  @catchErrors({ var: 'failure' })
  @step async end() { console.log(`best depth ${this.best.depth} of ${this.grid.length}, trees=${this.trees}`); }
}

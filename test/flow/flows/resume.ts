// Fails in `train` while the file named by --param failFlag exists; used to test resume.
import { existsSync } from 'node:fs';
import { FlowSpec, Parameter, step } from 'larch/flow';

export default class ResumeFlow extends FlowSpec {
  static params = { failFlag: Parameter.string(undefined, 'train fails while this file exists') };
  declare failFlag: string;
  declare data: Float64Array;
  declare items: number[];
  declare model: number;
  declare total: number;

  @step async start() {
    this.data = Float64Array.from({ length: 1000 }, (_, i) => Math.sqrt(i));
    this.items = [1, 2, 3];
    this.next(this.prep, { foreach: 'items' });
  }
  @step async prep() { this.model = (this.input as number) * 10; this.next(this.gather); }
  @step async gather(inputs: Array<{ model: number }>) {
    this.total = inputs.reduce((a, i) => a + i.model, 0);
    this.mergeArtifacts(inputs, { exclude: ['model'] });
    this.next(this.train);
  }
  @step async train() {
    if (existsSync(this.failFlag)) throw new Error('injected failure');
    this.model = this.total + this.data.length;
    this.next(this.end);
  }
  @step async end() {}
}

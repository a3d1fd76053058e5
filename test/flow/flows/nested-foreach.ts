// Nested foreach: 2 outer items x 3 inner items, joined twice.
import { FlowSpec, Parameter, step } from 'larch/flow';

export default class NestedFlow extends FlowSpec {
  static params = { inner: Parameter.int(3, 'inner fan-out') };
  declare inner: number;
  declare outer: string[];
  declare letters: string[];
  declare prefix: string;
  declare cell: string;
  declare row: string[];
  declare rows: string[][];

  @step async start() { this.outer = ['p', 'q']; this.next(this.fan, { foreach: 'outer' }); }
  @step async fan() {
    this.prefix = this.input as string;
    this.letters = ['x', 'y', 'z'].slice(0, this.inner);
    this.next(this.leaf, { foreach: 'letters' });
  }
  @step async leaf() { this.cell = `${this.prefix}${this.input as string}${this.index}`; this.next(this.innerJoin); }
  @step async innerJoin(inputs: Array<{ cell: string }>) { this.row = inputs.map((i) => i.cell); this.next(this.outerJoin); }
  @step async outerJoin(inputs: Array<{ row: string[] }>) { this.rows = inputs.map((i) => i.row); this.next(this.end); }
  @step async end() {}
}

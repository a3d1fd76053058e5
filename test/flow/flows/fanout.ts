// A foreach whose width is a parameter: the fan-out cap and foreach-shape errors.
import { FlowSpec, Parameter, step } from 'larch/flow';

export default class FanoutFlow extends FlowSpec {
  static params = { width: Parameter.int(3, 'items'), shape: Parameter.string('array', 'array | empty | number | unset') };
  declare width: number;
  declare shape: string;
  declare items: unknown;
  declare doubled: number;

  @step async start() {
    if (this.shape === 'array') this.items = Array.from({ length: this.width }, (_, i) => i);
    if (this.shape === 'empty') this.items = [];
    if (this.shape === 'number') this.items = 5;
    this.next(this.work, { foreach: 'items' });
  }
  @step async work() { this.doubled = (this.input as number) * 2; this.next(this.join); }
  @step async join(inputs: Array<{ doubled: number }>) { this.doubled = inputs.reduce((a, i) => a + i.doubled, 0); this.next(this.end); }
  @step async end() {}
}

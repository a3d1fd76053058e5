// Linear flow with every parameter kind and every artifact encoding.
import { current, FlowSpec, Parameter, step } from 'larch/flow';

export default class LinearFlow extends FlowSpec {
  static params = {
    count: Parameter.int(3, 'how many'),
    scale: Parameter.float(0.5, 'a factor'),
    label: Parameter.string('plain', 'a label'),
    verbose: Parameter.bool(false, 'talk more'),
    config: Parameter.json({ depth: 2 }, 'a JSON object'),
  };
  declare count: number;
  declare scale: number;
  declare label: string;
  declare verbose: boolean;
  declare config: { depth: number };
  declare values: Float32Array;
  declare tensor: { name: string; datatype: string; shape: number[]; data: Float64Array };
  declare mixed: Record<string, unknown>;
  declare untouched: string;
  declare mutated: number[];
  declare _scratch: string;
  declare where: Record<string, unknown>;
  constant = 42;

  @step async start() {
    console.log(`start: count=${this.count} label=${this.label}`);
    console.error('a line on stderr');
    this.values = Float32Array.from({ length: this.count }, (_, i) => i * this.scale);
    this.tensor = { name: 'x', datatype: 'FP64', shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) };
    this.mixed = {
      map: new Map<unknown, unknown>([['a', 1], [2, new Set([1n, 2n])]]),
      when: new Date(Date.UTC(2024, 0, 2)),
      big: 12345678901234567890n,
      nothing: undefined,
      nan: NaN, inf: -Infinity,
      nested: Int16Array.of(-1, 7),
      $larch: 'escaped',
    };
    this.untouched = 'from start';
    this.mutated = [1];
    this._scratch = 'never stored';
    this.next(this.middle);
  }

  @step async middle() {
    this.mutated.push(2);   // in-place mutation of an inherited artifact is kept
    this.where = { pathspec: current.pathspec, retry: current.retryCount, tags: current.tags, inputs: current.inputs, running: current.isRunning, root: current.datastoreRoot };
    this.next(this.end);
  }

  @step async end() {
    console.log(`end: ${this.values.length} values, verbose=${this.verbose}, depth=${this.config.depth}`);
  }
}

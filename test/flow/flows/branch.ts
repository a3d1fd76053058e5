// Static split into three branches, joined with mergeArtifacts.
import { FlowSpec, step } from 'larch/flow';

type In = { score: number; shared: string; who: string };

export default class BranchFlow extends FlowSpec {
  declare shared: string;
  declare score: number;
  declare who: string;
  declare scores: Record<string, number>;
  declare best: string;

  @step async start() { this.shared = 'same everywhere'; this.next(this.a, this.b, this.c); }
  @step async a() { this.score = 1; this.who = 'a'; this.next(this.join); }
  @step async b() { this.score = 3; this.who = 'b'; this.next(this.join); }
  @step async c() { this.score = 2; this.who = 'c'; this.next(this.join); }
  @step async join(inputs: In[] & { a: In; b: In; c: In }) {
    this.scores = Object.fromEntries(inputs.map((i) => [i.who, i.score]));
    this.best = inputs.reduce((x, y) => (y.score > x.score ? y : x)).who;
    if (inputs.b.score !== 3) throw new Error('inputs.b is not the b branch');
    this.mergeArtifacts(inputs, { exclude: ['score', 'who'] });
    this.next(this.end);
  }
  @step async end() {}
}

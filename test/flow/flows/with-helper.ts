// A flow importing a sibling TypeScript module as './lib/math.js': workers load it through the
// module hooks (the hook-free fast path only covers flows importing larch and Node built-ins).
import { FlowSpec, step } from 'larch/flow';
import { sumOfSquares } from './lib/math.js';

export default class HelperFlow extends FlowSpec {
  declare total: number;
  @step async start() { this.total = sumOfSquares([1, 2, 3]); this.next(this.end); }
  @step async end() {}
}

// A flow written in JavaScript, with decorators: it runs without any build step.
import { FlowSpec, Parameter, step } from 'larch/flow';

export default class PlainJsFlow extends FlowSpec {
  static params = { greeting: Parameter.string('hi', 'what to say') };

  @step async start() { this.words = [this.greeting, 'from', 'js']; this.next(this.end); }
  @step async end() { this.sentence = this.words.join(' '); console.log(this.sentence); }
}

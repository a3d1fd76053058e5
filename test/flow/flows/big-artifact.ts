// Writes a large artifact; the kill -9 test kills the worker while that blob is being written.
import { writeFileSync } from 'node:fs';
import { FlowSpec, Parameter, step } from 'larch/flow';

export default class BigArtifactFlow extends FlowSpec {
  static params = { pidFile: Parameter.string(undefined, 'where the big step writes its pid'), mb: Parameter.int(96, 'artifact size') };
  declare pidFile: string;
  declare mb: number;
  declare small: string;
  declare big: Float32Array;

  @step async start() { this.small = 'safe'; this.next(this.heavy); }
  @step async heavy() {
    this.big = new Float32Array((this.mb * 1024 * 1024) / 4).fill(1.5);
    writeFileSync(this.pidFile, String(process.pid));
    this.next(this.end);
  }
  @step async end() {}
}

// Typed surface of the trainer's native functions (native/addon/train_binding.cc).
import { addon } from '../native.js';

export interface NativeCsvTable {
  names: string[];
  numRows: number;
  data: Float32Array;
}

export interface NativeSynthetic {
  names: string[];
  numRows: number;
  x: Float32Array;
  y: Float32Array;
}

export interface NativeTrain {
  trainReadCsv(path: string, options: { delimiter: string; header: boolean }): Promise<NativeCsvTable>;
  trainParseCsv(text: string | Buffer, options: { delimiter: string; header: boolean }): Promise<NativeCsvTable>;
  trainMakeClassification(options: Record<string, number | bigint | undefined>): NativeSynthetic;
}

export const nativeTrain = addon as unknown as NativeTrain;

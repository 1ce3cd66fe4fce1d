// What the data loaders hand to training: images as NHWC floats in [0, 1], labels 0…k-1.
import { UserError } from '../../shared/userError';

export interface Split {
  /** count × h × w × c, row-major NHWC. */
  x: Float32Array;
  y: Int32Array;
  count: number;
  /** Image folders: each sample's file relative to the data folder, with '/' (`val/cat/1.png`), in sample order. */
  files?: string[];
}

export interface Dataset {
  /** Class names in label order. */
  classes: string[];
  /** [height, width, channels] of every image. */
  imageShape: [number, number, number];
  train: Split;
  val: Split;
  /** Files skipped because they could not be decoded. */
  skipped: Array<{ file: string; reason: string }>;
  /** One line for the log: where the data came from and how much. */
  description: string;
}

/** A problem with the user's data, worded so they can fix it (which folder or file, what to do). */
export class DataError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

export function imageSize(shape: [number, number, number]): number {
  return shape[0] * shape[1] * shape[2];
}

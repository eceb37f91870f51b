/**
 * A Collector that stamps what it collects with a settable timestamp: the
 * input record's for process functions, the timer's for `onTimer`. One is
 * reused per operator, so collecting allocates nothing.
 */
import type { Collector } from '../api/functions.js';
import type { Output } from './StreamOperator.js';

export class TimestampedCollector<T> implements Collector<T> {
  timestamp = Number.NEGATIVE_INFINITY;
  constructor(private readonly output: Output<T>) {}

  collect(value: T): void {
    this.output.collect(value, this.timestamp);
  }
}

/**
 * keyedCoProcess: runs a KeyedCoProcessFunction over two connected streams
 * keyed the same way (`a.connect(b).keyBy(k1, k2).process(fn)`). Both inputs
 * share the keyed state and timers of the current key: state written while
 * handling a record of one input is read back for a record of the other.
 */
import type { Key, KeyedCoProcessFunction } from '../api/functions.js';
import { KeyedUserFunctionOperator } from './keyedProcessInternals.js';

/**
 * The two-input keyed operator behind `KeyedConnectedStreams.process`.
 *
 * ```ts
 * // Matches orders with payments by order id, whichever comes first.
 * const op = new KeyedCoProcessOperator<string, Order, Payment, Paid>(matchFunction);
 * ```
 * Timers registered from either input fire `onTimer` once per (key, time).
 */
export class KeyedCoProcessOperator<K extends Key, IN1, IN2, OUT> extends KeyedUserFunctionOperator<
  K,
  KeyedCoProcessFunction<K, IN1, IN2, OUT>,
  OUT
> {
  processElement(value: unknown, timestamp: number, input: number): void {
    const support = this.support;
    support.beforeElement(timestamp);
    if (input === 0) this.fn.processElement1(value as IN1, support.context, support.collector);
    else this.fn.processElement2(value as IN2, support.context, support.collector);
  }
}

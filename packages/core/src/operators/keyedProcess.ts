/** Runs a KeyedProcessFunction: keyed state, event- and processing-time timers, side outputs. */
import type { Key, KeyedProcessFunction } from '../api/functions.js';
import { KeyedUserFunctionOperator } from './keyedProcessInternals.js';

export class KeyedProcessOperator<K extends Key, IN, OUT> extends KeyedUserFunctionOperator<K, KeyedProcessFunction<K, IN, OUT>, OUT> {
  processElement(value: unknown, timestamp: number): void {
    this.support.beforeElement(timestamp);
    this.fn.processElement(value as IN, this.support.context, this.support.collector);
  }
}

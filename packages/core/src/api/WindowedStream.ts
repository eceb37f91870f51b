/**
 * WindowedStream: the staged, immutable builder a keyed stream turns into
 * with `.window(assigner)`. Optional steps (trigger, evictor, allowed
 * lateness, late-data side output) each return a new WindowedStream; a
 * terminal step (reduce, aggregate, process) adds the window operator and
 * returns its output stream.
 */
import { InvalidProgramError, checkArgument } from '../errors.js';
import { copyForSubtask } from '../operators/functionCopy.js';
import type { WindowAssigner } from '../windowing/assigners/WindowAssigner.js';
import type { Evictor } from '../windowing/evictors/Evictor.js';
import type { ProcessWindowFunction, UserWindowFunction } from '../windowing/ProcessWindowFunction.js';
import type { Trigger } from '../windowing/triggers/Trigger.js';
import { WindowOperator, type WindowSettings } from '../windowing/WindowOperator.js';
import type { Window } from '../windowing/windows.js';
import type { DataStream } from './DataStream.js';
import type { AggregateFunction, Key, ReduceFunction } from './functions.js';
import type { KeyedStream } from './KeyedStream.js';
import type { OutputTag } from './OutputTag.js';

/**
 * Windows over a keyed stream, being configured.
 *
 * ```ts
 * const perMinute = views
 *   .keyBy((e) => e.productCode)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .allowedLateness(30_000)
 *   .sideOutputLateData(lateTag)
 *   .aggregate(countAgg, (key, window, count) => ({ key, start: window.start, count }));
 * const late = perMinute.getSideOutput(lateTag);
 * ```
 * Gotchas: every step returns a new object (the original is unchanged);
 * results carry the timestamp `window.maxTimestamp()`; with allowed lateness
 * a window emits again for each late record (treat results as updates).
 */
export class WindowedStream<K extends Key, T, W extends Window> {
  private readonly settings: WindowSettings<T, W>;

  /** Use `keyedStream.window(assigner)`; the third argument is internal. */
  constructor(
    private readonly input: KeyedStream<K, T>,
    assigner: WindowAssigner<T, W>,
    settings?: WindowSettings<T, W>,
  ) {
    this.settings = settings ?? { assigner };
  }

  /** Replaces the assigner's default trigger. Session windows need a trigger that can merge. */
  trigger(trigger: Trigger<T, W>): WindowedStream<K, T, W> {
    const assigner = this.settings.assigner;
    if (assigner.isMerging() && !(trigger.canMerge?.() ?? false)) {
      throw new InvalidProgramError(
        `the merging window assigner ${String(assigner)} needs a trigger that can merge (canMerge() returning true and onMerge)`,
      );
    }
    return this.with({ trigger });
  }

  /** Evicts elements before/after the window function; the window then keeps every element. */
  evictor(evictor: Evictor<T, W>): WindowedStream<K, T, W> {
    return this.with({ evictor });
  }

  /** Keeps windows `ms` (>= 0) after their end; each late record fires the window again. Event time only. */
  allowedLateness(ms: number): WindowedStream<K, T, W> {
    checkArgument(
      typeof ms === 'number' && ms >= 0 && (Number.isSafeInteger(ms) || ms === Number.POSITIVE_INFINITY),
      `allowedLateness must be >= 0 milliseconds, got ${ms}`,
    );
    return this.with({ allowedLateness: ms });
  }

  /** Sends records too late for any window to `tag` instead of dropping them. */
  sideOutputLateData(tag: OutputTag<T>): WindowedStream<K, T, W> {
    return this.with({ lateDataTag: tag });
  }

  /** Folds each window's records with `fn` (incrementally); emits the result. */
  reduce(fn: ReduceFunction<T>): DataStream<T>;
  /** Folds each window's records with `fn`, then applies `windowFn` to the result (with key and window). */
  reduce<R>(fn: ReduceFunction<T>, windowFn: UserWindowFunction<T, R, K, W>): DataStream<R>;
  reduce<R>(fn: ReduceFunction<T>, windowFn?: UserWindowFunction<T, R, K, W>): DataStream<T> | DataStream<R> {
    const settings = this.settings;
    if (windowFn === undefined) {
      return this.build<T>('reduce', () => WindowOperator.reduce<K, T, W>(settings, fn));
    }
    return this.build<R>('reduce+process', () => WindowOperator.reduce<K, T, R, W>(settings, fn, copyForSubtask(windowFn)));
  }

  /** Aggregates each window's records with `fn` (incrementally); emits `fn.getResult`. */
  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): DataStream<V>;
  /** Aggregates each window's records with `fn`, then applies `windowFn` to the result (with key and window). */
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFn: UserWindowFunction<V, R, K, W>): DataStream<R>;
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFn?: UserWindowFunction<V, R, K, W>): DataStream<V> | DataStream<R> {
    const settings = this.settings;
    if (windowFn === undefined) {
      return this.build<V>('aggregate', () => WindowOperator.aggregate<K, T, ACC, V, W>(settings, copyForSubtask(fn)));
    }
    return this.build<R>('aggregate+process', () =>
      WindowOperator.aggregate<K, T, ACC, V, R, W>(settings, copyForSubtask(fn), copyForSubtask(windowFn)),
    );
  }

  /** Hands all records of each fired window to `fn`. */
  process<R>(fn: ProcessWindowFunction<T, R, K, W>): DataStream<R> {
    const settings = this.settings;
    return this.build<R>('process', () => WindowOperator.process<K, T, R, W>(settings, copyForSubtask(fn)));
  }

  private with(change: Partial<WindowSettings<T, W>>): WindowedStream<K, T, W> {
    return new WindowedStream<K, T, W>(this.input, this.settings.assigner, { ...this.settings, ...change });
  }

  private build<R>(fn: string, factory: () => WindowOperator<K, T, R, W>): DataStream<R> {
    return this.input.transform<R>(WindowOperator.describe(this.settings, fn), factory);
  }
}

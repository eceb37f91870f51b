/**
 * Internals of the window operator, shared by its reduce, aggregate, process
 * and evicting paths: how window contents are kept in keyed state (and
 * merged for sessions), the internal window functions that turn contents
 * into output, the reusable trigger and process contexts, and state stores
 * pinned to a scope (key, or key + window). Nothing here is public API.
 */
import type { OutputTag } from '../api/OutputTag.js';
import type { AggregateFunction, Collector, Key, ReduceFunction, RuntimeContext } from '../api/functions.js';
import { TributaryError } from '../errors.js';
import type { Output } from '../operators/StreamOperator.js';
import {
  ListStateDescriptor,
  ValueStateDescriptor,
  type AggregatingStateDescriptor,
  type ReducingStateDescriptor,
  type MapStateDescriptor,
  type StateDescriptor,
} from '../state/descriptors.js';
import type { InternalTimerService } from '../state/InternalTimerService.js';
import type { KeySource } from '../state/timers/TimerQueue.js';
import { VOID_NAMESPACE, type KeyedStateAccess, type MergingNamespaced, type Namespaced } from '../state/KeyedStateAccess.js';
import type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from '../state/State.js';
import type { TimestampedValue } from './evictors/Evictor.js';
import type { KeyedStateStore, ProcessWindowContext, ProcessWindowFunction, UserWindowFunction, WindowFunction } from './ProcessWindowFunction.js';
import type { OnMergeContext, Trigger } from './triggers/Trigger.js';
import type { TriggerResult } from './triggers/TriggerResult.js';
import { reviveWindow, type Window } from './windows.js';

/** Name of the state that holds window contents. */
export const WINDOW_CONTENTS_STATE = 'window-contents';
/** Name of the state that holds the merging window set (sessions). */
export const MERGING_WINDOW_SET_STATE = 'merging-window-set';
/** Name of the window operator's timer service. */
export const WINDOW_TIMERS = 'window-timers';

/** The primitive identity of a state or timer namespace: a window's key, or the void namespace. */
export function namespaceKeyOf(namespace: unknown): string | number {
  // windows have a key; numbers (the void namespace) are their own; restored plain objects are revived
  if (typeof namespace === 'number' || typeof namespace === 'string') return namespace;
  return (namespace as { key?: string | number }).key ?? reviveWindow(namespace).key;
}

/** True when the result emits the window. */
export function fires(result: TriggerResult): boolean {
  return result === 'FIRE' || result === 'FIRE_AND_PURGE';
}

/** True when the result drops the window's contents. */
export function purges(result: TriggerResult): boolean {
  return result === 'PURGE' || result === 'FIRE_AND_PURGE';
}

/** `String(x)`, or `fallback` for plain objects without their own `toString`. */
export function describe(x: unknown, fallback: string): string {
  const text = String(x);
  return text.startsWith('[object ') ? fallback : text;
}

// ---------------------------------------------------------------------------
// Raw and scoped state handles

type AnyHandle = State & Namespaced<unknown>;

/** Gets the backend's handle for `descriptor`, namespaced by window. */
export function rawState(keyed: KeyedStateAccess, descriptor: StateDescriptor): AnyHandle {
  switch (descriptor.kind) {
    case 'value':
      return keyed.getValueState<unknown, unknown>(descriptor, namespaceKeyOf);
    case 'list':
      return keyed.getListState<unknown, unknown>(descriptor, namespaceKeyOf);
    case 'map':
      return keyed.getMapState<unknown, unknown, unknown>(descriptor, namespaceKeyOf);
    case 'reducing':
      return keyed.getReducingState<unknown, unknown>(descriptor, namespaceKeyOf);
    case 'aggregating':
      return keyed.getAggregatingState<unknown, unknown, unknown, unknown>(descriptor, namespaceKeyOf);
  }
}

/** Folds the state of `sources` into `target` (list, reducing and aggregating state). */
export function mergeStateNamespaces(handle: AnyHandle, descriptor: StateDescriptor, target: unknown, sources: readonly unknown[]): void {
  const mergeable = handle as Partial<MergingNamespaced<unknown>>;
  if (mergeable.mergeNamespaces === undefined) {
    throw new TributaryError(
      'STATE_NOT_MERGEABLE',
      `state '${descriptor.name}' of kind '${descriptor.kind}' cannot be merged; only list, reducing and aggregating state can`,
    );
  }
  if (sources.length > 0) mergeable.mergeNamespaces(target, sources);
}

/** Where a scoped handle takes its namespace from, read at every access. */
type Scope = () => unknown;

class ScopedValue<T> implements ValueState<T> {
  constructor(private readonly h: ValueState<T> & Namespaced<unknown>, private readonly scope: Scope) {}
  value(): T | undefined {
    this.h.setCurrentNamespace(this.scope());
    return this.h.value();
  }
  update(value: T): void {
    this.h.setCurrentNamespace(this.scope());
    this.h.update(value);
  }
  clear(): void {
    this.h.setCurrentNamespace(this.scope());
    this.h.clear();
  }
}

class ScopedList<T> implements ListState<T> {
  constructor(private readonly h: ListState<T> & Namespaced<unknown>, private readonly scope: Scope) {}
  get(): readonly T[] {
    this.h.setCurrentNamespace(this.scope());
    return this.h.get();
  }
  add(value: T): void {
    this.h.setCurrentNamespace(this.scope());
    this.h.add(value);
  }
  addAll(values: Iterable<T>): void {
    this.h.setCurrentNamespace(this.scope());
    this.h.addAll(values);
  }
  update(values: Iterable<T>): void {
    this.h.setCurrentNamespace(this.scope());
    this.h.update(values);
  }
  clear(): void {
    this.h.setCurrentNamespace(this.scope());
    this.h.clear();
  }
}

class ScopedMap<UK, UV> implements MapState<UK, UV> {
  constructor(private readonly h: MapState<UK, UV> & Namespaced<unknown>, private readonly scope: Scope) {}
  private at(): MapState<UK, UV> {
    this.h.setCurrentNamespace(this.scope());
    return this.h;
  }
  get(key: UK): UV | undefined {
    return this.at().get(key);
  }
  put(key: UK, value: UV): void {
    this.at().put(key, value);
  }
  putAll(entries: Iterable<readonly [UK, UV]>): void {
    this.at().putAll(entries);
  }
  remove(key: UK): void {
    this.at().remove(key);
  }
  contains(key: UK): boolean {
    return this.at().contains(key);
  }
  entries(): IterableIterator<[UK, UV]> {
    return this.at().entries();
  }
  keys(): IterableIterator<UK> {
    return this.at().keys();
  }
  values(): IterableIterator<UV> {
    return this.at().values();
  }
  isEmpty(): boolean {
    return this.at().isEmpty();
  }
  clear(): void {
    this.at().clear();
  }
}

class ScopedAppending<IN, OUT> implements ReducingState<IN>, AggregatingState<IN, OUT> {
  constructor(
    private readonly h: { get(): unknown; add(value: IN): void; clear(): void } & Namespaced<unknown>,
    private readonly scope: Scope,
  ) {}
  get(): any {
    this.h.setCurrentNamespace(this.scope());
    return this.h.get();
  }
  add(value: IN): void {
    this.h.setCurrentNamespace(this.scope());
    this.h.add(value);
  }
  clear(): void {
    this.h.setCurrentNamespace(this.scope());
    this.h.clear();
  }
}

/**
 * Keyed state whose namespace is fixed by a scope (the void namespace, or
 * the window of a context): every access first switches the backend handle
 * to the scope's namespace, so handles of different scopes never interfere.
 */
export class ScopedStateStore implements KeyedStateStore {
  private readonly handles = new Map<string, { kind: StateDescriptor['kind']; raw: AnyHandle; scoped: State }>();

  constructor(
    private readonly keyed: KeyedStateAccess,
    private readonly scope: Scope,
  ) {}

  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T> {
    return this.scoped(descriptor) as ValueState<T>;
  }
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.scoped(descriptor) as ListState<T>;
  }
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV> {
    return this.scoped(descriptor) as MapState<UK, UV>;
  }
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.scoped(descriptor) as ReducingState<T>;
  }
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.scoped(descriptor) as AggregatingState<IN, OUT>;
  }

  /** The scoped handle for any descriptor. */
  scoped(descriptor: StateDescriptor): State {
    return this.entry(descriptor).scoped;
  }

  /** The backend handle (its namespace is whatever was set last). */
  raw(descriptor: StateDescriptor): AnyHandle {
    return this.entry(descriptor).raw;
  }

  private entry(descriptor: StateDescriptor): { kind: StateDescriptor['kind']; raw: AnyHandle; scoped: State } {
    let entry = this.handles.get(descriptor.name);
    if (entry === undefined) {
      const raw = rawState(this.keyed, descriptor);
      entry = { kind: descriptor.kind, raw, scoped: scope(raw, descriptor.kind, this.scope) };
      this.handles.set(descriptor.name, entry);
    } else if (entry.kind !== descriptor.kind) {
      throw new TributaryError(
        'STATE_KIND_MISMATCH',
        `state '${descriptor.name}' was first used as ${entry.kind} state, now requested as ${descriptor.kind} state`,
      );
    }
    return entry;
  }
}

function scope(raw: AnyHandle, kind: StateDescriptor['kind'], at: Scope): State {
  switch (kind) {
    case 'value':
      return new ScopedValue(raw as ValueState<unknown> & Namespaced<unknown>, at);
    case 'list':
      return new ScopedList(raw as ListState<unknown> & Namespaced<unknown>, at);
    case 'map':
      return new ScopedMap(raw as MapState<unknown, unknown> & Namespaced<unknown>, at);
    case 'reducing':
    case 'aggregating':
      return new ScopedAppending(raw as ReducingState<unknown> & Namespaced<unknown>, at);
  }
}

// ---------------------------------------------------------------------------
// Window contents

/** How a window's contents are kept in keyed state. */
export interface WindowContents<IN> extends KeySource<Window> {
  /** Points the contents at the (state) window. */
  setNamespace(window: Window): void;
  /** Adds a record; returns true when the window had no contents for the current key before. */
  add(value: IN, timestamp: number): boolean;
  /** The window's aggregate or elements; undefined when the window is empty. */
  get(): unknown;
  clear(): void;
  /** Merges the contents of `sources` into `target` (session windows). */
  mergeNamespaces(target: Window, sources: readonly Window[]): void;
  /** Replaces the elements (evicting contents only). */
  replace?(elements: Iterable<unknown>): void;
  /**
   * Folded contents only: the current key's folded value in the current
   * window, as stored (an accumulator, not its result), for `addToHeld`.
   */
  held?(): unknown;
  /**
   * Folded contents only: adds a record to `held`, the current key's folded
   * value in `window` as `held()` returned it earlier (nothing else changed
   * the window's contents since), and returns the new folded value: no
   * state lookup unless the fold returns a new object.
   */
  addToHeld?(held: unknown, value: IN, window: Window): unknown;
}

/** Creates a window's contents holder when the operator opens. */
export type WindowContentsFactory<IN> = (keyed: KeyedStateAccess) => WindowContents<IN>;

/** Remembers the handle's namespace so consecutive records of one window skip the switch. */
abstract class ContentsBase<IN, S extends State & Namespaced<unknown>> implements WindowContents<IN> {
  private current: unknown = undefined;

  constructor(protected readonly state: S) {}

  setNamespace(window: Window): void {
    if (window !== this.current) this.switchTo(window);
  }

  clear(): void {
    this.state.clear();
  }

  /** The keys with contents in the window. */
  keys(window: Window): Iterable<Key> {
    return this.state.keysIn(window);
  }

  count(window: Window): number {
    return this.state.countIn(window);
  }

  protected switchTo(namespace: unknown): void {
    this.current = namespace;
    this.state.setCurrentNamespace(namespace);
  }

  abstract add(value: IN, timestamp: number): boolean;
  abstract get(): unknown;
  abstract mergeNamespaces(target: Window, sources: readonly Window[]): void;
}

/**
 * A window's folded value (reduce result or aggregate accumulator) in a
 * ValueState: one read per record, and the operator learns whether the
 * window was empty without an extra lookup or a user call. The value is
 * written back only when the fold returned another value: the contents
 * state has no TTL, so writing the same value again would change nothing
 * (an accumulator mutated in place costs one lookup per record, not two).
 */
abstract class FoldingContents<T, ACC> extends ContentsBase<T, ValueState<ACC> & Namespaced<unknown>> {
  protected abstract combine(a: ACC, b: ACC): ACC;
  /** Folds one record into a folded value (may change `acc` in place). */
  protected abstract fold(acc: ACC, value: T): ACC;

  add(value: T): boolean {
    const state = this.state;
    const acc = state.value();
    const next = acc === undefined ? this.first(value) : this.fold(acc, value);
    if (next !== acc) state.update(next);
    return acc === undefined;
  }

  /** The folded value of a window's first record. */
  protected abstract first(value: T): ACC;

  held(): unknown {
    return this.state.value();
  }

  addToHeld(held: unknown, value: T, window: Window): unknown {
    this.state.touchEntry(window); // (a snapshot in progress copies the entry before `fold` may change it in place)
    const next = this.fold(held as ACC, value);
    if (next !== held) {
      this.setNamespace(window);
      this.state.update(next);
    }
    return next;
  }

  mergeNamespaces(target: Window, sources: readonly Window[]): void {
    let merged: ACC | undefined;
    for (const source of sources) {
      this.switchTo(source);
      const acc = this.state.value();
      if (acc === undefined) continue;
      this.state.clear();
      merged = merged === undefined ? acc : this.combine(merged, acc);
    }
    this.switchTo(target);
    if (merged === undefined) return;
    const acc = this.state.value();
    this.state.update(acc === undefined ? merged : this.combine(acc, merged));
  }
}

class ReducingContents<T> extends FoldingContents<T, T> {
  constructor(
    state: ValueState<T> & Namespaced<unknown>,
    private readonly reduce: ReduceFunction<T>,
  ) {
    super(state);
  }
  protected first(value: T): T {
    return value;
  }
  protected fold(acc: T, value: T): T {
    return this.reduce(acc, value);
  }
  protected combine(a: T, b: T): T {
    return this.reduce(a, b);
  }
  get(): unknown {
    return this.state.value();
  }
}

class AggregatingContents<T, ACC, R> extends FoldingContents<T, ACC> {
  constructor(
    state: ValueState<ACC> & Namespaced<unknown>,
    private readonly aggregate: AggregateFunction<T, ACC, R>,
  ) {
    super(state);
  }
  protected first(value: T): ACC {
    return this.aggregate.add(value, this.aggregate.createAccumulator());
  }
  protected fold(acc: ACC, value: T): ACC {
    return this.aggregate.add(value, acc);
  }
  protected combine(a: ACC, b: ACC): ACC {
    return this.aggregate.merge(a, b);
  }
  get(): unknown {
    const acc = this.state.value();
    return acc === undefined ? undefined : this.aggregate.getResult(acc);
  }
}

class ListContents<T, E> extends ContentsBase<T, ListState<E> & MergingNamespaced<unknown>> {
  constructor(
    state: ListState<E> & MergingNamespaced<unknown>,
    private readonly wrap: ((value: T, timestamp: number) => E) | undefined,
  ) {
    super(state);
  }
  add(value: T, timestamp: number): boolean {
    const empty = this.state.get().length === 0;
    this.state.add(this.wrap === undefined ? (value as unknown as E) : this.wrap(value, timestamp));
    return empty;
  }
  get(): unknown {
    const elements = this.state.get();
    return elements.length === 0 ? undefined : elements;
  }
  mergeNamespaces(target: Window, sources: readonly Window[]): void {
    this.state.mergeNamespaces(target, sources);
  }
  replace(elements: Iterable<unknown>): void {
    this.state.update(elements as Iterable<E>);
  }
}

/** Contents folded with a reduce function (the reduced value in a ValueState, see `FoldingContents`). */
export function reducingContents<T>(reduce: ReduceFunction<T>): WindowContentsFactory<T> {
  return (keyed) =>
    new ReducingContents<T>(keyed.getValueState<T, unknown>(new ValueStateDescriptor<T>(WINDOW_CONTENTS_STATE), namespaceKeyOf), reduce);
}

/**
 * Contents folded with an aggregate function (the accumulator in a
 * ValueState, see `FoldingContents`; session windows merge accumulators
 * with `AggregateFunction.merge`).
 */
export function aggregatingContents<T, ACC, R>(aggregate: AggregateFunction<T, ACC, R>): WindowContentsFactory<T> {
  return (keyed) =>
    new AggregatingContents<T, ACC, R>(
      keyed.getValueState<ACC, unknown>(new ValueStateDescriptor<ACC>(WINDOW_CONTENTS_STATE), namespaceKeyOf),
      aggregate,
    );
}

/** Contents that keep every element (ListState); `get` returns the elements, undefined when none. */
export function listContents<T>(): WindowContentsFactory<T> {
  return (keyed) =>
    new ListContents<T, T>(keyed.getListState<T, unknown>(new ListStateDescriptor<T>(WINDOW_CONTENTS_STATE), namespaceKeyOf), undefined);
}

const timestamped = <T>(value: T, timestamp: number): TimestampedValue<T> => ({ value, timestamp });

/** Contents that keep every element with its timestamp, for evictors. */
export function timestampedListContents<T>(): WindowContentsFactory<T> {
  return (keyed) =>
    new ListContents<T, TimestampedValue<T>>(
      keyed.getListState<TimestampedValue<T>, unknown>(new ListStateDescriptor<TimestampedValue<T>>(WINDOW_CONTENTS_STATE), namespaceKeyOf),
      timestamped,
    );
}

// ---------------------------------------------------------------------------
// Internal window functions

/** Turns a window's contents (an aggregate, or elements) into output. */
export interface InternalWindowFunction<IN, OUT, K extends Key, W extends Window> {
  process(key: K, window: W, context: ProcessWindowContext<W>, input: IN, out: Collector<OUT>): void;
  clear(context: ProcessWindowContext<W>): void;
  open(context: RuntimeContext): void;
  close(): void;
}

const noop = (): void => {};

/** Emits the aggregate itself. */
export function passThrough<T, K extends Key, W extends Window>(): InternalWindowFunction<T, T, K, W> {
  return {
    process: (_key, _window, _context, input, out) => out.collect(input),
    clear: noop,
    open: noop,
    close: noop,
  };
}

/**
 * A plain `WindowFunction` applied to one pre-aggregated value. A class,
 * not closures: the operator's calls then reach the same function in every
 * job, which optimized code may have inlined.
 */
class PlainWindowFunction<IN, OUT, K extends Key, W extends Window> implements InternalWindowFunction<IN, OUT, K, W> {
  constructor(private readonly fn: WindowFunction<IN, OUT, K, W>) {}
  process(key: K, window: W, _context: ProcessWindowContext<W>, input: IN, out: Collector<OUT>): void {
    out.collect(this.fn(key, window, input));
  }
  clear(): void {}
  open(): void {}
  close(): void {}
}

/** Applies a user window function to one pre-aggregated value. */
export function singleValueFunction<IN, OUT, K extends Key, W extends Window>(
  fn: UserWindowFunction<IN, OUT, K, W>,
): InternalWindowFunction<IN, OUT, K, W> {
  if (typeof fn === 'function') return new PlainWindowFunction(fn);
  return {
    process: (key, _window, context, input, out) => fn.process(key, context, [input], out),
    clear: (context) => fn.clear?.(context),
    open: (context) => fn.open?.(context),
    close: () => fn.close?.(),
  };
}

/** Applies a ProcessWindowFunction to all elements. */
export function iterableFunction<IN, OUT, K extends Key, W extends Window>(
  fn: ProcessWindowFunction<IN, OUT, K, W>,
): InternalWindowFunction<Iterable<IN>, OUT, K, W> {
  return {
    process: (key, _window, context, input, out) => fn.process(key, context, input, out),
    clear: (context) => fn.clear?.(context),
    open: (context) => fn.open?.(context),
    close: () => fn.close?.(),
  };
}

/** Reduces all elements (evicting windows), then applies `inner` to the result; emits nothing for an empty window. */
export function reduceAll<T, OUT, K extends Key, W extends Window>(
  reduce: ReduceFunction<T>,
  inner: InternalWindowFunction<T, OUT, K, W>,
): InternalWindowFunction<Iterable<T>, OUT, K, W> {
  return {
    process: (key, window, context, input, out) => {
      let any = false;
      let acc: T | undefined;
      for (const value of input) {
        acc = any ? reduce(acc as T, value) : value;
        any = true;
      }
      if (any) inner.process(key, window, context, acc as T, out);
    },
    clear: (context) => inner.clear(context),
    open: (context) => inner.open(context),
    close: () => inner.close(),
  };
}

/** Aggregates all elements (evicting windows), then applies `inner` to the result. */
export function aggregateAll<T, ACC, R, OUT, K extends Key, W extends Window>(
  aggregate: AggregateFunction<T, ACC, R>,
  inner: InternalWindowFunction<R, OUT, K, W>,
): InternalWindowFunction<Iterable<T>, OUT, K, W> {
  return {
    process: (key, window, context, input, out) => {
      let acc = aggregate.createAccumulator();
      for (const value of input) acc = aggregate.add(value, acc);
      inner.process(key, window, context, aggregate.getResult(acc), out);
    },
    clear: (context) => inner.clear(context),
    open: (context) => inner.open(context),
    close: () => inner.close(),
  };
}

// ---------------------------------------------------------------------------
// Reusable contexts and collector

/** A collector that stamps every record with the current window's timestamp. */
export class WindowCollector<OUT> implements Collector<OUT> {
  timestamp = Number.NEGATIVE_INFINITY;
  constructor(private readonly output: Output<OUT>) {}
  collect(value: OUT): void {
    this.output.collect(value, this.timestamp);
  }
}

/** The trigger context, reused for every call: the operator sets `window` (and `mergedWindows`) first. */
export class WindowTriggerContext<W extends Window> implements OnMergeContext {
  window!: W;
  mergedWindows: readonly W[] = [];
  private readonly store: ScopedStateStore;

  constructor(
    private readonly timers: InternalTimerService<W>,
    keyed: KeyedStateAccess,
  ) {
    this.store = new ScopedStateStore(keyed, () => this.window);
  }

  currentWatermark(): number {
    return this.timers.currentWatermark();
  }
  currentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }
  registerEventTimeTimer(time: number): void {
    this.timers.registerEventTimeTimer(this.window, time);
  }
  registerProcessingTimeTimer(time: number): void {
    this.timers.registerProcessingTimeTimer(this.window, time);
  }
  deleteEventTimeTimer(time: number): void {
    this.timers.deleteEventTimeTimer(this.window, time);
  }
  deleteProcessingTimeTimer(time: number): void {
    this.timers.deleteProcessingTimeTimer(this.window, time);
  }

  getPartitionedState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getPartitionedState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getPartitionedState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getPartitionedState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  getPartitionedState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getPartitionedState(descriptor: StateDescriptor): any {
    return this.store.scoped(descriptor);
  }

  mergePartitionedState(
    descriptor: ReducingStateDescriptor<any> | ListStateDescriptor<any> | AggregatingStateDescriptor<any, any, any>,
  ): void {
    if (this.mergedWindows.length > 0) {
      mergeStateNamespaces(this.store.raw(descriptor), descriptor, this.window, this.mergedWindows);
    }
  }
}

/** The context of window functions, reused for every firing: the operator sets `window` first. */
export class WindowProcessContext<W extends Window> implements ProcessWindowContext<W> {
  window!: W;
  private readonly store: ScopedStateStore;

  constructor(
    private readonly timers: InternalTimerService<W>,
    keyed: KeyedStateAccess,
    private readonly out: Output<unknown>,
    private readonly global: ScopedStateStore,
  ) {
    this.store = new ScopedStateStore(keyed, () => this.window);
  }

  currentWatermark(): number {
    return this.timers.currentWatermark();
  }
  currentProcessingTime(): number {
    return this.timers.currentProcessingTime();
  }
  windowState(): KeyedStateStore {
    return this.store;
  }
  globalState(): KeyedStateStore {
    return this.global;
  }
  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.collectSide(tag, value, this.window.maxTimestamp());
  }
}

/** A store scoped to the current key only (the void namespace). */
export function globalStateStore(keyed: KeyedStateAccess): ScopedStateStore {
  return new ScopedStateStore(keyed, () => VOID_NAMESPACE);
}

/** Calls `trigger.onMerge`, failing clearly when the trigger cannot merge. */
export function callOnMerge<T, W extends Window>(trigger: Trigger<T, W>, window: W, ctx: OnMergeContext): void {
  if (trigger.onMerge === undefined) {
    throw new TributaryError('TRIGGER_CANNOT_MERGE', `trigger ${describe(trigger, 'Trigger')} does not support merging windows (no onMerge)`);
  }
  trigger.onMerge(window, ctx);
}

/**
 * The keyed state interfaces. Every call reads or writes the entry of the
 * current key (and namespace, e.g. the window) of the operator using it.
 */

/** Common to every kind of state. */
export interface State {
  /** Removes the entry for the current key. */
  clear(): void;
}

/** A single value per key. */
export interface ValueState<T> extends State {
  /** The stored value, or the descriptor's default (undefined when none). */
  value(): T | undefined;
  update(value: T): void;
}

/** A list of values per key. */
export interface ListState<T> extends State {
  /** The stored elements (an empty array when none). The array must not be modified. */
  get(): readonly T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  /** Replaces the whole list. */
  update(values: Iterable<T>): void;
}

/** A map per key. */
export interface MapState<UK, UV> extends State {
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  putAll(entries: Iterable<readonly [UK, UV]>): void;
  remove(key: UK): void;
  contains(key: UK): boolean;
  entries(): IterableIterator<[UK, UV]>;
  keys(): IterableIterator<UK>;
  values(): IterableIterator<UV>;
  isEmpty(): boolean;
}

/** Values added are folded into one with a reduce function. */
export interface ReducingState<T> extends State {
  get(): T | undefined;
  add(value: T): void;
}

/** Values added are folded into an accumulator; `get` returns the aggregate's result. */
export interface AggregatingState<IN, OUT> extends State {
  get(): OUT | undefined;
  add(value: IN): void;
}

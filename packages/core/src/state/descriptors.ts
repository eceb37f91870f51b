/**
 * State descriptors: the name, kind and options of a piece of keyed state.
 * A function asks its context for state through a descriptor:
 *
 * ```ts
 * const count = ctx.getState(new ValueStateDescriptor<number>('count', 0));
 * count.update((count.value() ?? 0) + 1);
 * ```
 * State is scoped to the current key (and, in window functions, the window).
 * Names must be unique within an operator.
 */
import { checkArgument } from '../errors.js';
import type { AggregateFunction, ReduceFunction } from '../api/functions.js';

/** Time-to-live for state entries, measured in processing time. */
export interface StateTtlConfig {
  /** Milliseconds after which an entry expires. */
  readonly ttl: number;
  /** What refreshes an entry's time: only writes (default) or reads and writes. */
  readonly updateType?: 'OnCreateAndWrite' | 'OnReadAndWrite';
  /** Whether an expired entry that has not been cleaned up yet may still be read (default: never). */
  readonly visibility?: 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';
}

/** Checks a TTL config and returns it with defaults filled in. */
export function normalizeTtl(ttl: StateTtlConfig): Required<StateTtlConfig> {
  checkArgument(Number.isFinite(ttl.ttl) && ttl.ttl > 0, `state TTL must be a finite number of milliseconds > 0, got ${ttl.ttl}`);
  return {
    ttl: ttl.ttl,
    updateType: ttl.updateType ?? 'OnCreateAndWrite',
    visibility: ttl.visibility ?? 'NeverReturnExpired',
  };
}

abstract class StateDescriptorBase {
  /** The state's TTL, if enabled with `enableTimeToLive`. */
  ttl: Required<StateTtlConfig> | undefined;

  protected constructor(readonly name: string) {
    checkArgument(typeof name === 'string' && name.length > 0, 'state name must be a non-empty string');
  }

  /** Expires entries `ttl.ttl` ms after their last write (or read, with `updateType: 'OnReadAndWrite'`). */
  enableTimeToLive(ttl: StateTtlConfig): this {
    this.ttl = normalizeTtl(ttl);
    return this;
  }
}

/** Describes a `ValueState<T>`; `defaultValue` is returned when nothing was stored. */
export class ValueStateDescriptor<T> extends StateDescriptorBase {
  readonly kind = 'value' as const;
  constructor(name: string, readonly defaultValue?: T) {
    super(name);
  }
}

/** Describes a `ListState<T>`. */
export class ListStateDescriptor<T> extends StateDescriptorBase {
  readonly kind = 'list' as const;
  declare readonly __type?: T;
  constructor(name: string) {
    super(name);
  }
}

/** Describes a `MapState<UK, UV>`. */
export class MapStateDescriptor<UK, UV> extends StateDescriptorBase {
  readonly kind = 'map' as const;
  declare readonly __type?: [UK, UV];
  constructor(name: string) {
    super(name);
  }
}

/** Describes a `ReducingState<T>` that folds added values with `reduce`. */
export class ReducingStateDescriptor<T> extends StateDescriptorBase {
  readonly kind = 'reducing' as const;
  constructor(name: string, readonly reduce: ReduceFunction<T>) {
    super(name);
  }
}

/** Describes an `AggregatingState<IN, OUT>` backed by an AggregateFunction. */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptorBase {
  readonly kind = 'aggregating' as const;
  constructor(name: string, readonly aggregate: AggregateFunction<IN, ACC, OUT>) {
    super(name);
  }
}

/** Any state descriptor. */
export type StateDescriptor =
  | ValueStateDescriptor<any>
  | ListStateDescriptor<any>
  | MapStateDescriptor<any, any>
  | ReducingStateDescriptor<any>
  | AggregatingStateDescriptor<any, any, any>;

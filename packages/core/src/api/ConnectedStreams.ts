/**
 * ConnectedStreams<T1, T2>: two streams, possibly of different types,
 * processed by one two-input operator (`a.connect(b)`). Use it for:
 *
 * - `map` / `flatMap` / `process(CoProcessFunction)` over both inputs;
 * - `keyBy(key1, key2).process(KeyedCoProcessFunction)`: both inputs
 *   partitioned by key, sharing keyed state and timers (match orders with
 *   payments, enrich a stream with a keyed table);
 * - `a.connect(b.broadcast(descriptor)).process(BroadcastProcessFunction)`,
 *   or with a keyed first input `process(KeyedBroadcastProcessFunction)`:
 *   broadcast state (rules, thresholds) applied to every record.
 *
 * ```ts
 * class PaymentMatcher implements KeyedCoProcessFunction<string, Order, Payment, Paid> {
 *   private order!: ValueState<Order>;
 *   open(rt: RuntimeContext) { this.order = rt.getState(new ValueStateDescriptor<Order>('order')); }
 *   processElement1(order: Order) { this.order.update(order); }
 *   processElement2(payment: Payment, _ctx: KeyedProcessContext<string>, out: Collector<Paid>) {
 *     const order = this.order.value();
 *     if (order !== undefined) out.collect({ order, payment });
 *   }
 * }
 * const matched = orders.connect(payments).keyBy((o) => o.id, (p) => p.orderId).process(new PaymentMatcher());
 * ```
 * There is no order between the two inputs: records of each input arrive
 * in order, but the inputs interleave arbitrarily. Watermarks of the two
 * inputs are combined (the minimum).
 */
import { InvalidProgramError } from '../errors.js';
import { BroadcastProcessOperator, type BroadcastProcessFunction } from '../operators/broadcastProcess.js';
import { CoProcessOperator } from '../operators/coProcess.js';
import { KeyedBroadcastProcessOperator, type KeyedBroadcastProcessFunction } from '../operators/keyedBroadcastProcess.js';
import { KeyedCoProcessOperator } from '../operators/keyedCoProcess.js';
import type { StreamOperator } from '../operators/StreamOperator.js';
import type { MapStateDescriptor } from '../state/descriptors.js';
import type { DataStream } from './DataStream.js';
import type {
  CoProcessFunction,
  FlatMapFunction,
  Key,
  KeyedCoProcessFunction,
  KeySelector,
  MapFunction,
} from './functions.js';
import type { KeyedStream } from './KeyedStream.js';
import type { StreamEnvironment } from './StreamEnvironment.js';
import type { Transformation } from './Transformation.js';

/** KeyedStream is not imported as a value (module cycle): a keyed stream is a stream with a key selector. */
function isKeyed<T>(stream: DataStream<T>): stream is KeyedStream<Key, T> {
  return typeof (stream as { keySelector?: unknown }).keySelector === 'function';
}

function isBroadcastFunction(fn: object): fn is BroadcastProcessFunction<unknown, unknown, unknown> {
  return typeof (fn as Partial<BroadcastProcessFunction<unknown, unknown, unknown>>).processBroadcastElement === 'function';
}

function isCoProcessFunction(fn: object): fn is CoProcessFunction<unknown, unknown, unknown> {
  const f = fn as Partial<CoProcessFunction<unknown, unknown, unknown>>;
  return typeof f.processElement1 === 'function' && typeof f.processElement2 === 'function';
}

function hasOnTimer(fn: object): boolean {
  return typeof (fn as { onTimer?: unknown }).onTimer === 'function';
}

/** Adds a two-input operator reading `input1` (index 0) and `input2` (index 1). */
function twoInput<R>(
  env: StreamEnvironment,
  input1: Transformation,
  input2: Transformation,
  name: string,
  keyed: boolean,
  factory: () => StreamOperator<R>,
): DataStream<R> {
  return env.stream<R>({
    kind: 'twoInput',
    id: env.newId(),
    name,
    uid: undefined,
    parallelism: undefined,
    input1,
    input2,
    factory,
    keyed,
    deadLetters: false,
  });
}

function coMapFunction<T1, T2, R>(fn1: MapFunction<T1, R>, fn2: MapFunction<T2, R>): CoProcessFunction<T1, T2, R> {
  return {
    processElement1: (value, _ctx, out) => out.collect(fn1(value)),
    processElement2: (value, _ctx, out) => out.collect(fn2(value)),
  };
}

function coFlatMapFunction<T1, T2, R>(fn1: FlatMapFunction<T1, R>, fn2: FlatMapFunction<T2, R>): CoProcessFunction<T1, T2, R> {
  return {
    processElement1: (value, _ctx, out) => fn1(value, out),
    processElement2: (value, _ctx, out) => fn2(value, out),
  };
}

function checkFunctions(method: string, ...fns: unknown[]): void {
  for (const fn of fns) {
    if (typeof fn !== 'function') throw new InvalidProgramError(`ConnectedStreams.${method}() needs one function per input`);
  }
}

/**
 * A non-keyed stream connected with a broadcast stream: what
 * `stream.connect(broadcastStream)` gives. Only `process` applies.
 *
 * ```ts
 * const connected: BroadcastConnectedStreams<Event, Rule> = events.connect(rules.broadcast(rulesDescriptor));
 * connected.process({ processElement(e, ctx, out) {}, processBroadcastElement(r, ctx, out) {} });
 * ```
 */
export interface BroadcastConnectedStreams<T1, T2> {
  process<R>(fn: BroadcastProcessFunction<T1, T2, R>): DataStream<R>;
}

/**
 * A keyed stream connected with a broadcast stream: what
 * `keyedStream.connect(broadcastStream)` gives. Only `process` applies.
 *
 * ```ts
 * const connected: KeyedBroadcastConnectedStreams<string, Event, Rule> =
 *   events.keyBy((e) => e.user).connect(rules.broadcast(rulesDescriptor));
 * ```
 */
export interface KeyedBroadcastConnectedStreams<K extends Key, T1, T2> {
  process<R>(fn: KeyedBroadcastProcessFunction<K, T1, T2, R>): DataStream<R>;
}

/**
 * Two connected streams (see the module comment). Made by `a.connect(b)`.
 *
 * ```ts
 * const both = celsius.connect(fahrenheit).map((c) => c.value, (f) => ((f.value - 32) * 5) / 9);
 * ```
 */
export class ConnectedStreams<T1, T2> {
  /** @internal */
  constructor(
    readonly first: DataStream<T1>,
    readonly second: DataStream<T2>,
    /** Set when `second` is a broadcast stream: the broadcast state it is kept in. */
    readonly broadcastDescriptors: readonly MapStateDescriptor<any, any>[] | undefined,
  ) {}

  /** Maps records of the first input with `fn1` and of the second with `fn2` into one stream. */
  map<R>(fn1: MapFunction<T1, R>, fn2: MapFunction<T2, R>): DataStream<R> {
    this.checkNotBroadcast('map');
    checkFunctions('map', fn1, fn2);
    return this.coProcess('CoMap', coMapFunction(fn1, fn2));
  }

  /** Like `map`, emitting zero or more records per record through the collector. */
  flatMap<R>(fn1: FlatMapFunction<T1, R>, fn2: FlatMapFunction<T2, R>): DataStream<R> {
    this.checkNotBroadcast('flatMap');
    checkFunctions('flatMap', fn1, fn2);
    return this.coProcess('CoFlatMap', coFlatMapFunction(fn1, fn2));
  }

  /**
   * Partitions both inputs by key (records with equal keys meet in the same
   * subtask) for a KeyedCoProcessFunction with shared keyed state and timers.
   */
  keyBy<K extends Key>(key1: KeySelector<T1, K>, key2: KeySelector<T2, K>): KeyedConnectedStreams<K, T1, T2> {
    this.checkNotBroadcast('keyBy');
    checkFunctions('keyBy', key1, key2);
    return new KeyedConnectedStreams<K, T1, T2>(this.first.keyBy(key1), this.second.keyBy(key2));
  }

  /**
   * Runs a function over both inputs:
   * - a CoProcessFunction on two connected streams (keyed, with state and
   *   timers, when both inputs are KeyedStreams; else see `keyBy`);
   * - a BroadcastProcessFunction when the second input is a broadcast stream;
   * - a KeyedBroadcastProcessFunction when, in addition, the first input is
   *   a KeyedStream.
   */
  process<R>(fn: CoProcessFunction<T1, T2, R>): DataStream<R>;
  process<R>(fn: BroadcastProcessFunction<T1, T2, R>): DataStream<R>;
  process<K extends Key, R>(fn: KeyedBroadcastProcessFunction<K, T1, T2, R>): DataStream<R>;
  process<R>(
    fn: CoProcessFunction<T1, T2, R> | BroadcastProcessFunction<T1, T2, R> | KeyedBroadcastProcessFunction<Key, T1, T2, R>,
  ): DataStream<R> {
    if (typeof fn !== 'object' || fn === null) throw new InvalidProgramError('ConnectedStreams.process() needs a function object');
    const descriptors = this.broadcastDescriptors;
    if (descriptors === undefined) {
      if (!isCoProcessFunction(fn)) {
        throw new InvalidProgramError(
          'ConnectedStreams.process() needs a CoProcessFunction (processElement1 and processElement2); ' +
            'processBroadcastElement applies only to a stream connected with broadcast(descriptor)',
        );
      }
      if (isKeyed(this.first) && isKeyed(this.second)) {
        const keyedFn = fn as KeyedCoProcessFunction<Key, T1, T2, R>;
        return this.twoInput('KeyedCoProcess', true, () => new KeyedCoProcessOperator<Key, T1, T2, R>(keyedFn));
      }
      if (hasOnTimer(fn)) {
        throw new InvalidProgramError('onTimer needs keyed inputs: call keyBy(key1, key2) before process()');
      }
      return this.coProcess('CoProcess', fn);
    }
    if (!isBroadcastFunction(fn) || typeof fn.processElement !== 'function') {
      throw new InvalidProgramError(
        'A stream connected with a broadcast stream needs a BroadcastProcessFunction ' +
          '(processElement and processBroadcastElement)',
      );
    }
    if (isKeyed(this.first)) {
      const keyedFn = fn as KeyedBroadcastProcessFunction<Key, T1, T2, R>;
      return this.twoInput('KeyedBroadcastProcess', true, () => new KeyedBroadcastProcessOperator<Key, T1, T2, R>(keyedFn, descriptors));
    }
    if (hasOnTimer(fn)) {
      throw new InvalidProgramError('onTimer needs a keyed first input: call keyBy() before connect(broadcastStream)');
    }
    const broadcastFn = fn as BroadcastProcessFunction<T1, T2, R>;
    return this.twoInput('BroadcastProcess', false, () => new BroadcastProcessOperator<T1, T2, R>(broadcastFn, descriptors));
  }

  private coProcess<R>(name: string, fn: CoProcessFunction<T1, T2, R>): DataStream<R> {
    return this.twoInput(name, false, () => new CoProcessOperator<T1, T2, R>(fn));
  }

  private twoInput<R>(name: string, keyed: boolean, factory: () => StreamOperator<R>): DataStream<R> {
    return twoInput(this.first.environment, this.first.transformation, this.second.transformation, name, keyed, factory);
  }

  private checkNotBroadcast(method: string): void {
    if (this.broadcastDescriptors !== undefined) {
      throw new InvalidProgramError(
        `${method}() does not apply to a stream connected with a broadcast stream: use process(BroadcastProcessFunction)`,
      );
    }
  }
}

/**
 * Two connected streams partitioned by key (from `ConnectedStreams.keyBy`):
 * records of both inputs with equal keys are processed by the same subtask
 * and share that key's state and timers.
 *
 * ```ts
 * const profileState = new ValueStateDescriptor<Profile>('profile');
 * class Enrich implements KeyedCoProcessFunction<string, Click, Profile, EnrichedClick> {
 *   private profile!: ValueState<Profile>;
 *   open(rt: RuntimeContext) { this.profile = rt.getState(profileState); }
 *   processElement1(click: Click, _ctx: KeyedProcessContext<string>, out: Collector<EnrichedClick>) {
 *     out.collect({ ...click, profile: this.profile.value() });
 *   }
 *   processElement2(profile: Profile) { this.profile.update(profile); }
 * }
 * const enriched = clicks.connect(profiles).keyBy((c) => c.user, (p) => p.user).process(new Enrich());
 * ```
 * Each parallel subtask gets its own copy of the function object, so
 * keeping state handles on `this` in `open` is safe.
 */
export class KeyedConnectedStreams<K extends Key, T1, T2> {
  /** @internal */
  constructor(
    readonly first: KeyedStream<K, T1>,
    readonly second: KeyedStream<K, T2>,
  ) {}

  /** Runs a KeyedCoProcessFunction: keyed state and timers shared by both inputs. */
  process<R>(fn: KeyedCoProcessFunction<K, T1, T2, R>): DataStream<R> {
    if (typeof fn !== 'object' || fn === null || !isCoProcessFunction(fn)) {
      throw new InvalidProgramError('KeyedConnectedStreams.process() needs a KeyedCoProcessFunction (processElement1 and processElement2)');
    }
    return this.keyedTwoInput('KeyedCoProcess', () => new KeyedCoProcessOperator<K, T1, T2, R>(fn));
  }

  /** Maps both inputs into one stream (key-partitioned, no state). */
  map<R>(fn1: MapFunction<T1, R>, fn2: MapFunction<T2, R>): DataStream<R> {
    checkFunctions('map', fn1, fn2);
    return this.keyedTwoInput('CoMap', () => new CoProcessOperator<T1, T2, R>(coMapFunction(fn1, fn2)));
  }

  /** Flat-maps both inputs into one stream (key-partitioned, no state). */
  flatMap<R>(fn1: FlatMapFunction<T1, R>, fn2: FlatMapFunction<T2, R>): DataStream<R> {
    checkFunctions('flatMap', fn1, fn2);
    return this.keyedTwoInput('CoFlatMap', () => new CoProcessOperator<T1, T2, R>(coFlatMapFunction(fn1, fn2)));
  }

  private keyedTwoInput<R>(name: string, factory: () => StreamOperator<R>): DataStream<R> {
    return twoInput(this.first.environment, this.first.transformation, this.second.transformation, name, true, factory);
  }
}

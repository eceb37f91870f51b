/**
 * Shared by the window join and coGroup builders (`JoinedStreams`,
 * `CoGroupedStreams`): the staged builder both are — each stage an immutable
 * object whose methods check their argument and return the next stage — the
 * settings it collects, and the plan both run, as Flink does it: tag each
 * side's records, union the two streams, key by the side's key, window, and
 * hand each fired window's records, split back into the two sides, to a
 * coGroup function. A join is the coGroup function that pairs every left
 * record with every right record. The two builders differ only in their
 * stage classes (`JoinWhere` / `CoGroupWhere`, …) and in `apply`. Nothing
 * here is public API except `TaggedUnion` and the stages' inherited methods.
 */
import type { DataStream } from '../api/DataStream.js';
import type { CoGroupFunction, Collector, JoinFunction, Key, KeySelector } from '../api/functions.js';
import type { CoGroupEqualTo, CoGroupWhere, CoGroupWithWindow } from './CoGroupedStreams.js';
import type { FlatJoinFunction, JoinEqualTo, JoinWhere, JoinWithWindow } from './JoinedStreams.js';
import { checkArgument } from '../errors.js';
import type { WindowAssigner } from '../windowing/assigners/WindowAssigner.js';
import type { Evictor } from '../windowing/evictors/Evictor.js';
import type { ProcessWindowContext, ProcessWindowFunction } from '../windowing/ProcessWindowFunction.js';
import type { Trigger } from '../windowing/triggers/Trigger.js';
import type { Window } from '../windowing/windows.js';

/**
 * A record of either side of a window join or coGroup, as the window sees
 * it: `side` 0 is the left (first) stream, 1 the right. Window assigners,
 * triggers and evictors of a join work on these.
 *
 * ```ts
 * const onlyLeft: Evictor<TaggedUnion<Order, Payment>, TimeWindow> = {
 *   evictBefore: (elements) => { for (let i = elements.length - 1; i >= 0; i--) if (elements[i]!.value.side === 1) elements.splice(i, 1); },
 *   evictAfter: () => {},
 * };
 * ```
 */
export type TaggedUnion<L, R> = { readonly side: 0; readonly value: L } | { readonly side: 1; readonly value: R };

/** The operation being built, for names and messages. */
export type JoinKind = 'Join' | 'CoGroup';

/** The two inputs and key selectors (after `where` and `equalTo`). */
export interface JoinInputs<L, R, K extends Key> {
  readonly left: DataStream<L>;
  readonly right: DataStream<R>;
  readonly leftKey: KeySelector<L, K>;
  readonly rightKey: KeySelector<R, K>;
}

/** Everything a windowed join or coGroup needs besides its function. */
export interface JoinWindowSpec<L, R, K extends Key, W extends Window> extends JoinInputs<L, R, K> {
  readonly assigner: WindowAssigner<TaggedUnion<L, R>, W>;
  readonly trigger?: Trigger<TaggedUnion<L, R>, W> | undefined;
  readonly evictor?: Evictor<TaggedUnion<L, R>, W> | undefined;
  readonly allowedLateness?: number | undefined;
}

/**
 * The public classes of each builder's stages, by kind: what `where`,
 * `equalTo` and `window` return. A table of types, because the shared stage
 * classes cannot take a generic class as a type parameter.
 */
export interface StageClasses<L, R, K extends Key, W extends Window> {
  Join: { where: JoinWhere<L, R, K>; equalTo: JoinEqualTo<L, R, K>; window: JoinWithWindow<L, R, K, W> };
  CoGroup: { where: CoGroupWhere<L, R, K>; equalTo: CoGroupEqualTo<L, R, K>; window: CoGroupWithWindow<L, R, K, W> };
}

type StageName = 'where' | 'equalTo' | 'window';
type Stage<Kind extends JoinKind, S extends StageName, L, R, K extends Key, W extends Window = Window> = StageClasses<L, R, K, W>[Kind][S];

/**
 * One builder's kind and stage classes, which every stage carries to build
 * the next.
 *
 * ```ts
 * const JOIN: JoinStages<'Join'> = { kind: 'Join', where: JoinWhere, equalTo: JoinEqualTo, window: JoinWithWindow };
 * ```
 */
export interface JoinStages<Kind extends JoinKind> {
  readonly kind: Kind;
  readonly where: new <L, R, K extends Key>(
    stages: JoinStages<Kind>,
    left: DataStream<L>,
    right: DataStream<R>,
    leftKey: KeySelector<L, K>,
  ) => Stage<Kind, 'where', L, R, K>;
  readonly equalTo: new <L, R, K extends Key>(stages: JoinStages<Kind>, inputs: JoinInputs<L, R, K>) => Stage<Kind, 'equalTo', L, R, K>;
  readonly window: new <L, R, K extends Key, W extends Window>(
    stages: JoinStages<Kind>,
    spec: JoinWindowSpec<L, R, K, W>,
  ) => Stage<Kind, 'window', L, R, K, W>;
}

/** Two streams to join or coGroup, waiting for the left key selector. */
export abstract class StreamsStage<Kind extends JoinKind, L, R> {
  readonly #stages: JoinStages<Kind>;

  /** @internal */
  constructor(
    stages: JoinStages<Kind>,
    readonly left: DataStream<L>,
    readonly right: DataStream<R>,
  ) {
    this.#stages = stages;
  }

  /** The key of the left (first) stream's records. */
  where<K extends Key>(keySelector: KeySelector<L, K>): Stage<Kind, 'where', L, R, K> {
    checkKeySelector(this.#stages.kind, 'where', keySelector);
    return new this.#stages.where(this.#stages, this.left, this.right, keySelector);
  }
}

/** A join or coGroup with its left key, waiting for the right key selector (which must return the same key type). */
export abstract class WhereStage<Kind extends JoinKind, L, R, K extends Key> {
  readonly #stages: JoinStages<Kind>;

  /** @internal Use `where`. */
  constructor(
    stages: JoinStages<Kind>,
    readonly left: DataStream<L>,
    readonly right: DataStream<R>,
    readonly leftKey: KeySelector<L, K>,
  ) {
    this.#stages = stages;
  }

  /** The key of the right (second) stream's records; records with equal keys meet in the same call of the function. */
  equalTo(keySelector: KeySelector<R, K>): Stage<Kind, 'equalTo', L, R, K> {
    checkKeySelector(this.#stages.kind, 'equalTo', keySelector);
    return new this.#stages.equalTo(this.#stages, { left: this.left, right: this.right, leftKey: this.leftKey, rightKey: keySelector });
  }
}

/** A keyed join or coGroup, waiting for its windows. */
export abstract class EqualToStage<Kind extends JoinKind, L, R, K extends Key> {
  readonly #stages: JoinStages<Kind>;

  /** @internal Use `equalTo`. */
  constructor(
    stages: JoinStages<Kind>,
    readonly inputs: JoinInputs<L, R, K>,
  ) {
    this.#stages = stages;
  }

  /** The windows records are grouped in; both sides' records go through the same assigner. */
  window<W extends Window>(assigner: WindowAssigner<TaggedUnion<L, R>, W>): Stage<Kind, 'window', L, R, K, W> {
    checkAssigner(this.#stages.kind, assigner);
    return new this.#stages.window(this.#stages, { ...this.inputs, assigner });
  }
}

/**
 * A windowed join or coGroup: optionally set a trigger, evictor or allowed
 * lateness, then `apply` the function (each builder defines `apply`).
 * Gotcha: every step returns a new object; the original is unchanged.
 */
export abstract class WindowedStage<Kind extends JoinKind, L, R, K extends Key, W extends Window> {
  readonly #stages: JoinStages<Kind>;

  /** @internal Use `window`. */
  constructor(
    stages: JoinStages<Kind>,
    readonly spec: JoinWindowSpec<L, R, K, W>,
  ) {
    this.#stages = stages;
  }

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<TaggedUnion<L, R>, W>): Stage<Kind, 'window', L, R, K, W> {
    checkTrigger(this.#stages.kind, trigger);
    return new this.#stages.window(this.#stages, { ...this.spec, trigger });
  }

  /** Evicts records from a firing window before/after the function. */
  evictor(evictor: Evictor<TaggedUnion<L, R>, W>): Stage<Kind, 'window', L, R, K, W> {
    checkEvictor(this.#stages.kind, evictor);
    return new this.#stages.window(this.#stages, { ...this.spec, evictor });
  }

  /** Keeps windows `ms` after their end; each late record fires the window again (with all its records). */
  allowedLateness(ms: number): Stage<Kind, 'window', L, R, K, W> {
    checkAllowedLateness(this.#stages.kind, ms);
    return new this.#stages.window(this.#stages, { ...this.spec, allowedLateness: ms });
  }
}

/** Checks the argument of `where` / `equalTo`. */
function checkKeySelector(kind: JoinKind, method: 'where' | 'equalTo', keySelector: unknown): void {
  checkArgument(
    typeof keySelector === 'function',
    `${kind.toLowerCase()} ${method}() needs a key selector function, got ${describeArgument(keySelector)}`,
  );
}

/** Checks the argument of `window`. */
function checkAssigner(kind: JoinKind, assigner: unknown): void {
  checkArgument(
    typeof assigner === 'object' && assigner !== null && typeof (assigner as { assignWindows?: unknown }).assignWindows === 'function',
    `${kind.toLowerCase()} window() needs a WindowAssigner (e.g. TumblingEventTimeWindows.of(60_000)), got ${describeArgument(assigner)}`,
  );
}

/** Checks the argument of `trigger`. */
function checkTrigger(kind: JoinKind, trigger: unknown): void {
  checkArgument(
    typeof trigger === 'object' && trigger !== null && typeof (trigger as { onElement?: unknown }).onElement === 'function',
    `${kind.toLowerCase()} trigger() needs a Trigger (e.g. CountTrigger.of(10)), got ${describeArgument(trigger)}`,
  );
}

/** Checks the argument of `evictor`. */
function checkEvictor(kind: JoinKind, evictor: unknown): void {
  checkArgument(
    typeof evictor === 'object' && evictor !== null && typeof (evictor as { evictBefore?: unknown }).evictBefore === 'function',
    `${kind.toLowerCase()} evictor() needs an Evictor (e.g. CountEvictor.of(10)), got ${describeArgument(evictor)}`,
  );
}

/** Checks the argument of `allowedLateness`. */
function checkAllowedLateness(kind: JoinKind, ms: unknown): void {
  checkArgument(
    typeof ms === 'number' && ms >= 0 && (Number.isSafeInteger(ms) || ms === Number.POSITIVE_INFINITY),
    `${kind.toLowerCase()} allowedLateness() needs an integer number of milliseconds >= 0, got ${describeArgument(ms)}`,
  );
}

/** Checks the argument of `apply`. */
export function checkFunction(kind: JoinKind, fn: unknown): void {
  checkArgument(typeof fn === 'function', `${kind.toLowerCase()} apply() needs a function, got ${describeArgument(fn)}`);
}

/** Checks the argument of a join's `apply`: a JoinFunction or a FlatJoinFunction object. */
export function checkJoinFunction(fn: unknown): void {
  checkArgument(
    typeof fn === 'function' || (typeof fn === 'object' && fn !== null && typeof (fn as { join?: unknown }).join === 'function'),
    `join apply() needs a JoinFunction (left, right) => result or a FlatJoinFunction { join(left, right, out) }, got ${describeArgument(fn)}`,
  );
}

/**
 * Adds the windowed coGroup to the plan: tag, union, keyBy, window, then
 * `fn(leftRecords, rightRecords, out)` once per key and fired window.
 * Outputs carry `window.maxTimestamp()`. Returns the window operator's
 * stream (so `name`, `uid`, `setParallelism` configure the window operator).
 */
export function buildWindowedCoGroup<L, R, K extends Key, W extends Window, OUT>(
  kind: JoinKind,
  spec: JoinWindowSpec<L, R, K, W>,
  fn: CoGroupFunction<L, R, OUT>,
): DataStream<OUT> {
  const { leftKey, rightKey } = spec;
  const taggedLeft = spec.left.map((value): TaggedUnion<L, R> => ({ side: 0, value })).name(`${kind}: tag left`);
  const taggedRight = spec.right.map((value): TaggedUnion<L, R> => ({ side: 1, value })).name(`${kind}: tag right`);
  const keyed = taggedLeft
    .union(taggedRight)
    .keyBy((tagged: TaggedUnion<L, R>): K => (tagged.side === 0 ? leftKey(tagged.value) : rightKey(tagged.value)));
  let windowed = keyed.window(spec.assigner);
  if (spec.trigger !== undefined) windowed = windowed.trigger(spec.trigger);
  if (spec.evictor !== undefined) windowed = windowed.evictor(spec.evictor);
  if (spec.allowedLateness !== undefined) windowed = windowed.allowedLateness(spec.allowedLateness);
  return windowed.process(new CoGroupWindowFunction<L, R, OUT, K, W>(fn)).name(`${kind}(${String(spec.assigner)})`);
}

/**
 * The coGroup function of an inner join: `fn(l, r)` for every pair of the
 * window's left and right records (nothing when either side is empty).
 */
export function innerJoin<L, R, OUT>(fn: JoinFunction<L, R, OUT>): CoGroupFunction<L, R, OUT> {
  return (lefts, rights, out) => {
    for (const left of lefts) for (const right of rights) out.collect(fn(left, right));
  };
}

/** Like `innerJoin`, for a FlatJoinFunction that emits zero or more records per pair through `out`. */
export function flatInnerJoin<L, R, OUT>(fn: FlatJoinFunction<L, R, OUT>): CoGroupFunction<L, R, OUT> {
  return (lefts, rights, out) => {
    for (const left of lefts) for (const right of rights) fn.join(left, right, out);
  };
}

/** Splits a fired window's tagged records back into the two sides and calls the coGroup function. */
class CoGroupWindowFunction<L, R, OUT, K extends Key, W extends Window>
  implements ProcessWindowFunction<TaggedUnion<L, R>, OUT, K, W>
{
  constructor(private readonly fn: CoGroupFunction<L, R, OUT>) {}

  process(_key: K, _ctx: ProcessWindowContext<W>, elements: Iterable<TaggedUnion<L, R>>, out: Collector<OUT>): void {
    const lefts: L[] = [];
    const rights: R[] = [];
    for (const element of elements) {
      if (element.side === 0) lefts.push(element.value);
      else rights.push(element.value);
    }
    this.fn(lefts, rights, out);
  }
}

function describeArgument(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object without the required methods';
  return typeof value === 'string' ? JSON.stringify(value) : `${String(value)}`;
}

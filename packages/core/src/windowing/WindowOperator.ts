/**
 * The window operator (Flink's WindowOperator and EvictingWindowOperator in
 * one): a keyed operator that assigns each record to windows, keeps each
 * window's contents in keyed state namespaced by the window, asks the
 * trigger when to fire and purge, cleans windows up once the watermark
 * passes their end plus the allowed lateness, and routes late records to a
 * side output (or drops them), counting each in `metrics.lateRecords`.
 * Session windows merge through a `MergingWindowSet` per key, kept in keyed
 * state and cached in memory (see `MergingWindowSets`); event-time sessions
 * under the default trigger skip the trigger and keep their timers lazily
 * (see `LazySessionTimers`); a record that extends its key's one session
 * (the common case) changes only two numbers on the key's set, and reaches
 * folded contents kept there (`MergingWindowSet.extendSole`, `soleContents`).
 * Under the default `EventTimeTrigger`, tumbling and sliding windows skip
 * the trigger on timers and for a (key, window)'s records after its first
 * while its end is ahead; the watermark a restored state may lack trigger
 * timers up to is kept as operator state (`triggerTimerHorizon`).
 * Their end-of-window and cleanup timers are namespace timers for all the
 * window's keys (snapshots still hold one timer per key), and a record's
 * sliding windows are folded in two passes (`foldIntoWindowsAhead`).
 *
 * Results carry the timestamp `window.maxTimestamp()`. Users build it
 * through `keyedStream.window(assigner)`; the static factories here are
 * what `WindowedStream` (and tests) call.
 */
import type { OutputTag } from '../api/OutputTag.js';
import type { AggregateFunction, Key, ReduceFunction, RuntimeContext } from '../api/functions.js';
import { InvalidProgramError, TributaryError, UserFunctionError, checkArgument } from '../errors.js';
import type { InternalTimer, OperatorContext, StreamOperator } from '../operators/StreamOperator.js';
import type { InternalTimerService } from '../state/InternalTimerService.js';
import type { KeyedStateAccess } from '../state/KeyedStateAccess.js';
import { SessionWindowAssigner } from './assigners/assignerInternals.js';
import type { WindowAssigner, WindowAssignerContext } from './assigners/WindowAssigner.js';
import type { Evictor, TimestampedValue } from './evictors/Evictor.js';
import type { MergingWindowSet, WindowMerger } from './MergingWindowSet.js';
import { MergingWindowSets } from './MergingWindowSets.js';
import { LazySessionTimers, type SessionTimerAction } from './LazySessionTimers.js';
import type { ProcessWindowFunction, UserWindowFunction } from './ProcessWindowFunction.js';
import { EventTimeTrigger } from './triggers/EventTimeTrigger.js';
import { ProcessingTimeTrigger } from './triggers/ProcessingTimeTrigger.js';
import type { Trigger } from './triggers/Trigger.js';
import type { TriggerResult } from './triggers/TriggerResult.js';
import {
  WINDOW_CONTENTS_STATE,
  WINDOW_TIMERS,
  WindowCollector,
  WindowProcessContext,
  WindowTriggerContext,
  aggregateAll,
  aggregatingContents,
  callOnMerge,
  describe,
  fires,
  globalStateStore,
  iterableFunction,
  listContents,
  namespaceKeyOf,
  passThrough,
  purges,
  reduceAll,
  reducingContents,
  singleValueFunction,
  timestampedListContents,
  type InternalWindowFunction,
  type WindowContents,
  type WindowContentsFactory,
} from './windowOperatorInternals.js';
import { reviveWindow, type TimeWindow, type Window } from './windows.js';

/**
 * How windows are formed: the staged settings of a `WindowedStream`.
 *
 * ```ts
 * const settings: WindowSettings<Order, TimeWindow> = {
 *   assigner: TumblingEventTimeWindows.of(3_600_000),
 *   trigger: ContinuousEventTimeTrigger.of(60_000),
 *   allowedLateness: 60_000,
 *   lateDataTag: new OutputTag<Order>('late-orders'),
 * };
 * ```
 */
export interface WindowSettings<T, W extends Window> {
  readonly assigner: WindowAssigner<T, W>;
  /** Defaults to the assigner's default trigger. */
  readonly trigger?: Trigger<T, W> | undefined;
  readonly evictor?: Evictor<T, W> | undefined;
  /** Milliseconds after the window end during which late records still update it (default 0). */
  readonly allowedLateness?: number | undefined;
  /** Where late records go; dropped when unset. */
  readonly lateDataTag?: OutputTag<T> | undefined;
}

/**
 * The inner configuration of a window operator; build one with the static
 * factories (`WindowOperator.reduce/aggregate/process`), which pick the
 * contents and the internal window function.
 *
 * ```ts
 * new WindowOperator({ settings, contents: listContents(), windowFunction: iterableFunction(fn) });
 * ```
 */
export interface WindowOperatorConfig<K extends Key, IN, OUT, W extends Window> {
  readonly settings: WindowSettings<IN, W>;
  /** How contents are kept (with an evictor: elements with timestamps). */
  readonly contents: WindowContentsFactory<IN>;
  /** Gets the contents (with an evictor: the remaining elements' values). */
  readonly windowFunction: InternalWindowFunction<any, OUT, K, W>;
}

const NO_WINDOWS: readonly never[] = [];

/** The operator state of a window operator under the built-in event-time trigger (see `triggerTimerHorizon`). */
interface WindowOperatorState {
  readonly triggerTimerHorizon: number;
}

/**
 * Runs windows for a keyed stream.
 *
 * ```ts
 * const op = WindowOperator.reduce<string, number, TimeWindow>(
 *   { assigner: TumblingEventTimeWindows.of(10), allowedLateness: 5 },
 *   (a, b) => a + b,
 * );
 * const harness = new OperatorTestHarness(op, { keySelector: () => 'k' });
 * ```
 * Gotchas: results carry `window.maxTimestamp()`; with allowed lateness a
 * window fires again for each late record (an update of its earlier result);
 * the global window is never cleaned up.
 */
export class WindowOperator<K extends Key, IN, OUT, W extends Window> implements StreamOperator<OUT>, WindowMerger<W> {
  private readonly assigner: WindowAssigner<IN, W>;
  private readonly trigger: Trigger<IN, W>;
  private readonly evictor: Evictor<IN, W> | undefined;
  private readonly allowedLateness: number;
  private readonly lateDataTag: OutputTag<IN> | undefined;
  private readonly eventTime: boolean;
  private readonly merging: boolean;
  private readonly fn: InternalWindowFunction<any, OUT, K, W>;
  /**
   * True for the default trigger of a non-merging assigner (EventTimeTrigger
   * or ProcessingTimeTrigger on windows of its own time domain). It only
   * registers a timer at the window end, so a record for a window that
   * already has contents changes nothing: the trigger's timer and the
   * cleanup timer exist already. The hot path then skips the trigger.
   */
  private readonly builtInTrigger: boolean;
  /** True under the built-in trigger with folded contents (`foldIntoWindowsAhead`); set at `open`. */
  private foldsInTwoPasses = false;
  /** `foldIntoWindowsAhead`'s values of the record's windows (reused; emptied as they are folded). */
  private readonly heldValues: unknown[] = [];
  /** True when the cleanup timer is the built-in trigger's own timer (no allowed lateness). */
  private readonly cleanupIsTriggerTimer: boolean;
  /**
   * The assigner's window array whose windows all had their event-time
   * namespace timers registered (consecutive records mostly share the
   * array, which the time-window assigners reuse). Registering every window
   * of the array at its first new (key, window) — rather than only that
   * window — keeps sliding windows from registering about once per record:
   * a key's first records alternate between its newest and older windows.
   * A window no record reaches fires over no keys. Event time only: once a
   * window's end timer fired, the watermark has passed the end and its
   * records register nothing here; in processing time a record may still
   * reach the window in the millisecond its timer fired.
   */
  private lastEndTimerWindows: readonly W[] | undefined = undefined;
  /**
   * Under the built-in event-time trigger: the end up to which a window may
   * hold a key's contents without that key's trigger timer. Records added
   * after the window end (within the allowed lateness) register none, and
   * the watermark starts over after a restore, so such windows must still go
   * through the trigger. It is the highest watermark of the runs the state
   * went through (kept as operator state): `-Infinity` in a fresh run,
   * `Infinity` after a restore of contents from a snapshot that did not record it.
   */
  private triggerTimerHorizon = Number.NEGATIVE_INFINITY;
  /** Whether `initializeState` was called (a restore with operator state): the horizon then comes from it. */
  private horizonRestored = false;
  /** How the horizons of a rescaled job are shared out: every subtask takes the highest. */
  readonly operatorStateMode = 'union';
  /**
   * True for event-time sessions of a built-in session assigner under the
   * default trigger: the trigger is skipped and timers are lazy (`LazySessionTimers`).
   */
  private readonly lazySessions: boolean;
  private sessionTimers: LazySessionTimers | undefined;
  /** Whether the last merge of a lazy session kept a pending timer (set by `mergeWindows`), undefined when none happened. */
  private sessionMergeCovered: boolean | undefined = undefined;
  /** The set a lazy session record is being added to (for `mergeWindows`). */
  private sessionSet: MergingWindowSet<W> | undefined = undefined;

  private ctx!: OperatorContext<OUT>;
  private keyed!: KeyedStateAccess;
  private timers!: InternalTimerService<W>;
  private contents!: WindowContents<IN>;
  private mergingSets: MergingWindowSets<W> | undefined;
  private triggerCtx!: WindowTriggerContext<W>;
  private processCtx!: WindowProcessContext<W>;
  private collector!: WindowCollector<OUT>;
  private readonly assignerContext: WindowAssignerContext = {
    currentProcessingTime: () => this.timers.currentProcessingTime(),
  };

  constructor(private readonly config: WindowOperatorConfig<K, IN, OUT, W>) {
    const { settings } = config;
    this.assigner = settings.assigner;
    this.trigger = settings.trigger ?? settings.assigner.getDefaultTrigger();
    this.evictor = settings.evictor;
    this.allowedLateness = settings.allowedLateness ?? 0;
    this.lateDataTag = settings.lateDataTag;
    this.eventTime = this.assigner.isEventTime();
    this.merging = this.assigner.isMerging();
    this.fn = config.windowFunction;
    this.builtInTrigger =
      !this.merging &&
      (this.eventTime ? this.trigger === EventTimeTrigger.create() : this.trigger === ProcessingTimeTrigger.create());
    this.cleanupIsTriggerTimer = this.builtInTrigger && (!this.eventTime || this.allowedLateness === 0);
    this.lazySessions = this.eventTime && this.assigner instanceof SessionWindowAssigner && this.trigger === EventTimeTrigger.create();
    checkArgument(
      this.allowedLateness >= 0,
      `allowed lateness must be >= 0 milliseconds, got ${this.allowedLateness}`,
    );
    if (this.merging && !(this.trigger.canMerge?.() ?? false)) {
      throw new InvalidProgramError(
        `the merging window assigner ${String(this.assigner)} needs a trigger that can merge; ` +
          `${describe(this.trigger, 'the trigger')} does not (canMerge() is not true)`,
      );
    }
  }

  /** Incremental reduce; with `windowFunction`, applied to the reduced value. */
  static reduce<K extends Key, T, W extends Window>(settings: WindowSettings<NoInfer<T>, W>, reduce: ReduceFunction<T>): WindowOperator<K, T, T, W>;
  static reduce<K extends Key, T, OUT, W extends Window>(
    settings: WindowSettings<NoInfer<T>, W>,
    reduce: ReduceFunction<T>,
    windowFunction: UserWindowFunction<T, OUT, K, W>,
  ): WindowOperator<K, T, OUT, W>;
  static reduce<K extends Key, T, OUT, W extends Window>(
    settings: WindowSettings<NoInfer<T>, W>,
    reduce: ReduceFunction<T>,
    windowFunction?: UserWindowFunction<T, OUT, K, W>,
  ): WindowOperator<K, T, OUT | T, W> {
    const inner: InternalWindowFunction<T, OUT | T, K, W> =
      windowFunction === undefined ? passThrough<T, K, W>() : singleValueFunction(windowFunction);
    return settings.evictor === undefined
      ? new WindowOperator<K, T, OUT | T, W>({ settings, contents: reducingContents(reduce), windowFunction: inner })
      : new WindowOperator<K, T, OUT | T, W>({ settings, contents: timestampedListContents(), windowFunction: reduceAll(reduce, inner) });
  }

  /** Incremental aggregation; with `windowFunction`, applied to the aggregate's result. */
  static aggregate<K extends Key, T, ACC, R, W extends Window>(
    settings: WindowSettings<NoInfer<T>, W>,
    aggregate: AggregateFunction<T, ACC, R>,
  ): WindowOperator<K, T, R, W>;
  static aggregate<K extends Key, T, ACC, R, OUT, W extends Window>(
    settings: WindowSettings<NoInfer<T>, W>,
    aggregate: AggregateFunction<T, ACC, R>,
    windowFunction: UserWindowFunction<R, OUT, K, W>,
  ): WindowOperator<K, T, OUT, W>;
  static aggregate<K extends Key, T, ACC, R, OUT, W extends Window>(
    settings: WindowSettings<NoInfer<T>, W>,
    aggregate: AggregateFunction<T, ACC, R>,
    windowFunction?: UserWindowFunction<R, OUT, K, W>,
  ): WindowOperator<K, T, OUT | R, W> {
    const inner: InternalWindowFunction<R, OUT | R, K, W> =
      windowFunction === undefined ? passThrough<R, K, W>() : singleValueFunction(windowFunction);
    return settings.evictor === undefined
      ? new WindowOperator<K, T, OUT | R, W>({ settings, contents: aggregatingContents(aggregate), windowFunction: inner })
      : new WindowOperator<K, T, OUT | R, W>({
          settings,
          contents: timestampedListContents(),
          windowFunction: aggregateAll(aggregate, inner),
        });
  }

  /** Keeps all elements and hands them to `fn` when the window fires. */
  static process<K extends Key, T, OUT, W extends Window>(
    settings: WindowSettings<NoInfer<T>, W>,
    fn: ProcessWindowFunction<T, OUT, K, W>,
  ): WindowOperator<K, T, OUT, W> {
    return new WindowOperator<K, T, OUT, W>({
      settings,
      contents: settings.evictor === undefined ? listContents() : timestampedListContents(),
      windowFunction: iterableFunction(fn),
    });
  }

  /** The default operator name, e.g. `Window(TumblingEventTimeWindows(60000), EventTimeTrigger, reduce)`. */
  static describe(settings: WindowSettings<any, any>, fn: string): string {
    const trigger = describe(settings.trigger ?? settings.assigner.getDefaultTrigger(), 'Trigger');
    const evictor = settings.evictor === undefined ? '' : `, ${describe(settings.evictor, 'Evictor')}`;
    return `Window(${String(settings.assigner)}, ${trigger}${evictor}, ${fn})`;
  }

  open(ctx: OperatorContext<OUT>): void {
    const keyed = ctx.keyed;
    if (keyed === undefined) {
      throw new InvalidProgramError(`window operator '${ctx.name}' must run on a keyed stream (use keyBy before window)`);
    }
    this.ctx = ctx;
    this.keyed = keyed;
    this.timers = ctx.timerService<W>(WINDOW_TIMERS, namespaceKeyOf);
    this.contents = this.config.contents(keyed);
    this.foldsInTwoPasses = this.builtInTrigger && this.contents.held !== undefined && this.contents.addToHeld !== undefined;
    if (this.merging) this.mergingSets = new MergingWindowSets<W>(keyed, this.assigner as never);
    if (this.lazySessions) this.sessionTimers = new LazySessionTimers(this.timers as never, this.allowedLateness);
    if (this.builtInTrigger && this.eventTime && !this.horizonRestored && this.hasContents()) {
      this.triggerTimerHorizon = Number.POSITIVE_INFINITY;
    }
    const global = globalStateStore(keyed);
    this.triggerCtx = new WindowTriggerContext<W>(this.timers, keyed);
    this.processCtx = new WindowProcessContext<W>(this.timers, keyed, ctx.output, global);
    this.collector = new WindowCollector<OUT>(ctx.output);
    const runtimeContext: RuntimeContext = {
      operatorName: ctx.name,
      subtaskIndex: ctx.subtaskIndex,
      parallelism: ctx.parallelism,
      maxParallelism: ctx.maxParallelism,
      getState: (d) => global.getState(d),
      getListState: (d) => global.getListState(d),
      getMapState: (d) => global.getMapState(d),
      getReducingState: (d) => global.getReducingState(d),
      getAggregatingState: (d) => global.getAggregatingState(d),
    };
    try {
      this.fn.open(runtimeContext);
    } catch (error) {
      throw this.failure(error, undefined, 'open');
    }
  }

  processElement(value: unknown, timestamp: number): void {
    try {
      if (this.lazySessions) {
        if (this.addToSession(value as IN, timestamp)) this.skipped(value as IN, timestamp);
        return;
      }
      const windows = this.assigner.assignWindows(value as IN, timestamp, this.assignerContext);
      const skipped = this.merging
        ? this.addToMergingWindows(value as IN, timestamp, windows)
        : this.addToWindows(value as IN, timestamp, windows);
      if (skipped) this.skipped(value as IN, timestamp);
    } catch (error) {
      this.mergingSets?.discard();
      throw this.failure(error, value, 'record');
    }
  }

  onEventTime(timer: InternalTimer): void {
    const window = reviveWindow(timer.namespace) as W;
    try {
      this.onTimer(window, timer.timestamp, true);
    } catch (error) {
      this.mergingSets?.discard();
      throw this.failure(error, window, 'window');
    }
  }

  onProcessingTime(timer: InternalTimer): void {
    const window = reviveWindow(timer.namespace) as W;
    try {
      this.onTimer(window, timer.timestamp, false);
    } catch (error) {
      this.mergingSets?.discard();
      throw this.failure(error, window, 'window');
    }
  }

  /** Settles sessions grown since they were last written (`MergingWindowSets.settleAll`): the snapshot then holds them. */
  prepareSnapshotPreBarrier(): void {
    this.mergingSets?.settleAll();
  }

  /** Under the built-in event-time trigger, records the trigger timer horizon (see `triggerTimerHorizon`). */
  snapshotState(): WindowOperatorState | undefined {
    if (!this.builtInTrigger || !this.eventTime) return undefined;
    return { triggerTimerHorizon: Math.max(this.triggerTimerHorizon, this.timers.currentWatermark()) };
  }

  /** Takes the highest restored horizon; a restored state without one (or several states, one without) makes it unknown. */
  initializeState(state: unknown): void {
    for (const one of Array.isArray(state) ? state : [state]) {
      const horizon = (one as Partial<WindowOperatorState> | undefined)?.triggerTimerHorizon;
      this.triggerTimerHorizon = Math.max(this.triggerTimerHorizon, typeof horizon === 'number' ? horizon : Number.POSITIVE_INFINITY);
    }
    this.horizonRestored = true;
  }

  close(): void {
    this.fn.close();
  }

  // -------------------------------------------------------------------------

  /** A record that went into no window: late records go to the side output or are dropped, and are counted. */
  private skipped(value: IN, timestamp: number): void {
    if (!this.isElementLate(timestamp)) return;
    this.ctx.metrics.lateRecords++;
    if (this.lateDataTag !== undefined) this.ctx.output.collectSide(this.lateDataTag, value, timestamp);
  }

  /** Adds the record to each (non-late) window; true when every window was late. */
  private addToWindows(value: IN, timestamp: number, windows: readonly W[]): boolean {
    const contents = this.contents;
    const eventTime = this.eventTime;
    const watermark = this.timers.currentWatermark();
    if (this.foldsInTwoPasses && windows.length > 1 && this.allAhead(windows, watermark)) {
      this.foldIntoWindowsAhead(value, timestamp, windows, watermark);
      return false;
    }
    let skipped = true;
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i]!;
      const end = window.maxTimestamp();
      if (eventTime && end + this.allowedLateness <= watermark) continue; // the window is late
      skipped = false;
      contents.setNamespace(window);
      const first = contents.add(value, timestamp);
      // the built-in trigger's timers, for all the window's keys, come with its first record (up to the
      // horizon a restored key may have fired already, and late records fire at once: through the trigger)
      if (this.builtInTrigger && (!eventTime || (end > watermark && end > this.triggerTimerHorizon))) {
        if (first) this.registerEndTimersForAllKeys(window, end, windows, watermark);
        continue;
      }
      this.triggerOnElement(value, timestamp, window, window);
    }
    return skipped;
  }

  /**
   * `addToWindows` for windows that are all ahead of the watermark (and of
   * the trigger timer horizon) under the built-in trigger, with folded
   * contents: first every window's value is looked up, then the record is
   * folded into each. `perf` puts the sliding path's time on the cache
   * misses of the lookups and of the accumulators (ten of each per record
   * for ten slides); two short passes are ≈ 1.2× faster than one doing both
   * (interleaved benchmark runs) — presumably the CPU overlaps more misses.
   * A window without a value takes the record as its first, with its timers.
   */
  private foldIntoWindowsAhead(value: IN, timestamp: number, windows: readonly W[], watermark: number): void {
    const contents = this.contents;
    const held = this.heldValues;
    for (let i = 0; i < windows.length; i++) {
      contents.setNamespace(windows[i]!);
      held[i] = contents.held!();
    }
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i]!;
      const windowValue = held[i];
      held[i] = undefined;
      if (windowValue !== undefined) {
        contents.addToHeld!(windowValue, value, window);
        continue;
      }
      contents.setNamespace(window);
      if (contents.add(value, timestamp)) this.registerEndTimersForAllKeys(window, window.maxTimestamp(), windows, watermark);
    }
  }

  /** Whether every window ends after the watermark and the trigger timer horizon (always, in processing time). */
  private allAhead(windows: readonly W[], watermark: number): boolean {
    if (!this.eventTime) return true;
    const horizon = Math.max(watermark, this.triggerTimerHorizon);
    for (let i = 0; i < windows.length; i++) if (windows[i]!.maxTimestamp() <= horizon) return false;
    return true;
  }

  private addToMergingWindows(value: IN, timestamp: number, windows: readonly W[]): boolean {
    const set = this.mergingSets!.current();
    let skipped = true;
    for (let i = 0; i < windows.length; i++) {
      const actual = set.addWindow(windows[i]!, this);
      if (this.isWindowLate(actual)) {
        set.retireWindow(actual);
        continue;
      }
      skipped = false;
      const stateWindow = set.getStateWindow(actual);
      if (stateWindow === undefined) {
        throw new TributaryError('WINDOW_NOT_IN_FLIGHT', `Window ${String(actual)} is not in the in-flight window set`);
      }
      this.contents.setNamespace(stateWindow);
      this.contents.add(value, timestamp);
      this.triggerOnElement(value, timestamp, actual, stateWindow);
    }
    this.mergingSets!.persist(set);
    return skipped;
  }

  /** `addToMergingWindows` for lazy sessions: no trigger calls, no window array; true when the record was late. */
  private addToSession(value: IN, timestamp: number): boolean {
    const assigner = this.assigner as unknown as SessionWindowAssigner<IN>;
    const start = assigner.sessionStart(timestamp, this.assignerContext);
    const end = start + assigner.sessionGap(value);
    const sets = this.mergingSets!;
    const set = sets.current();
    // a record extending (or inside) its key's one session, in flight since this run built the set and not fired yet:
    // the session's pending timer covers it, and its contents stay where they are (the set settles the new bounds later)
    if (set.extendSole(start, end, this.timers.currentWatermark())) {
      this.addToSoleSession(set, value, timestamp);
      return false;
    }
    const inFlight = set.size;
    this.sessionMergeCovered = undefined;
    this.sessionSet = set;
    const entry = set.addTimeWindow(start, end, this);
    this.sessionSet = undefined;
    const actual = entry[0];
    const late = this.isWindowLate(actual);
    if (late) set.retireWindow(actual);
    else {
      this.contents.setNamespace(entry[1]);
      this.contents.add(value, timestamp);
      // armed: merged keeping a pending timer, or inside a window in flight since this run built the set
      const armed = this.sessionMergeCovered ?? (set.size === inFlight && !set.isLoaded(actual));
      if (this.sessionTimers!.onElement(actual as unknown as TimeWindow, armed)) this.apply('FIRE', actual, entry[1]);
    }
    sets.persist(set);
    return late;
  }

  /**
   * Adds a record to the contents of its key's sole session: folded contents
   * are kept on the set between records (`soleContents`), so only the
   * session's first record after a change of the set looks them up.
   */
  private addToSoleSession(set: MergingWindowSet<W>, value: IN, timestamp: number): void {
    const contents = this.contents;
    const stateWindow = set.soleWindowState;
    const held = set.soleContents;
    if (held !== undefined && contents.addToHeld !== undefined) {
      const next = contents.addToHeld(held, value, stateWindow);
      if (next !== held) set.soleContents = next; // (an accumulator changed in place is no write at all)
      return;
    }
    contents.setNamespace(stateWindow);
    contents.add(value, timestamp);
    if (contents.held !== undefined) set.soleContents = contents.held();
  }

  /**
   * What the built-in trigger's `onElement` and the cleanup registration do
   * for a window whose end is ahead of the watermark or of processing time:
   * a timer at the end and one at the cleanup time (the same without
   * allowed lateness) — here each one namespace timer for all the window's
   * keys, as those timers are never deleted before they fire (a key with a
   * timer of its own fires once). Late records within the allowed lateness
   * fire at once and register their key's cleanup timer through the trigger.
   */
  private registerEndTimersForAllKeys(window: W, end: number, windows: readonly W[], watermark: number): void {
    if (!this.eventTime) {
      this.timers.registerProcessingTimeTimerForAllKeys(window, end, this.contents);
      return;
    }
    if (windows === this.lastEndTimerWindows) return;
    this.lastEndTimerWindows = windows;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      const wEnd = w.maxTimestamp();
      if (wEnd <= watermark || wEnd <= this.triggerTimerHorizon) continue; // (such windows' records go through the trigger)
      this.timers.registerEventTimeTimerForAllKeys(w, wEnd, this.contents);
      if (this.allowedLateness > 0) this.timers.registerEventTimeTimerForAllKeys(w, wEnd + this.allowedLateness, this.contents);
    }
  }

  private triggerOnElement(value: IN, timestamp: number, window: W, stateWindow: W): void {
    this.triggerCtx.window = window;
    const result = this.trigger.onElement(value, timestamp, window, this.triggerCtx);
    if (result !== 'CONTINUE') this.apply(result, window, stateWindow);
    if (!this.cleanupIsTriggerTimer) this.registerCleanupTimer(window);
  }

  private onTimer(window: W, time: number, eventTime: boolean): void {
    if (this.lazySessions && eventTime) {
      this.onSessionTimer(window, time);
      return;
    }
    if (this.builtInTrigger && this.eventTime && eventTime) {
      this.onBuiltInEventTimer(window, time);
      return;
    }
    this.triggerCtx.window = window;
    let set: MergingWindowSet<W> | undefined;
    let stateWindow = window;
    if (this.merging) {
      set = this.mergingSets!.current();
      const found = set.getStateWindow(window);
      // a timer of a window that is gone (a trigger did not delete it): nothing to do
      if (found === undefined) {
        this.mergingSets!.persist(set); // (unchanged: only lets an empty set leave the cache)
        return;
      }
      stateWindow = found;
    }
    const result = eventTime
      ? this.trigger.onEventTime(time, window, this.triggerCtx)
      : this.trigger.onProcessingTime(time, window, this.triggerCtx);
    if (result !== 'CONTINUE') this.apply(result, window, stateWindow);
    if (this.eventTime === eventTime && time === this.cleanupTime(window)) this.clearAllState(window, stateWindow, set);
    if (set !== undefined) this.mergingSets!.persist(set);
  }

  /**
   * `onTimer` for an event-time timer under the built-in `EventTimeTrigger`
   * of a non-merging assigner, without calling the trigger: it fires at the
   * window end (what `onEventTime` returns) and cleans up at the cleanup
   * time. `trigger.clear` is skipped: it only deletes the timer at the window
   * end, which is never after the cleanup time, so by then that timer has
   * fired (timers fire in time order) or is the one firing: nothing to delete.
   */
  private onBuiltInEventTimer(window: W, time: number): void {
    if (time === window.maxTimestamp()) this.apply('FIRE', window, window);
    if (time !== this.cleanupTime(window)) return;
    this.contents.setNamespace(window);
    this.contents.clear();
    this.processCtx.window = window;
    this.fn.clear(this.processCtx);
  }

  /** `onTimer` for lazy sessions: the timer acts on the in-flight window containing its window, if any. */
  private onSessionTimer(timerWindow: W, time: number): void {
    const sets = this.mergingSets!;
    const set = sets.current();
    const entry = set.getCovering(timerWindow);
    const action: SessionTimerAction =
      entry === undefined ? 'none' : this.sessionTimers!.onTimer(timerWindow as unknown as TimeWindow, time, entry[0] as unknown as TimeWindow);
    if (action === 'fire' || action === 'fire-and-clean-up') this.apply('FIRE', entry![0], entry![1]);
    if (action === 'clean-up' || action === 'fire-and-clean-up') this.clearAllState(entry![0], entry![1], set);
    sets.persist(set);
  }

  /** Fires and/or purges the window as the trigger said. */
  private apply(result: TriggerResult, window: W, stateWindow: W): void {
    if (fires(result)) {
      this.contents.setNamespace(stateWindow);
      const contents = this.contents.get();
      if (contents !== undefined) this.emit(window, stateWindow, contents);
    }
    if (purges(result)) {
      this.contents.setNamespace(stateWindow);
      this.contents.clear();
    }
  }

  private emit(window: W, stateWindow: W, contents: unknown): void {
    const key = this.keyed.getCurrentKey() as K;
    this.collector.timestamp = window.maxTimestamp();
    this.processCtx.window = window;
    const evictor = this.evictor;
    if (evictor === undefined) {
      this.fn.process(key, window, this.processCtx, contents, this.collector);
      return;
    }
    const elements = (contents as readonly TimestampedValue<IN>[]).slice();
    evictor.evictBefore(elements, window, this.processCtx);
    this.fn.process(
      key,
      window,
      this.processCtx,
      elements.map((e) => e.value),
      this.collector,
    );
    evictor.evictAfter(elements, window, this.processCtx);
    this.contents.setNamespace(stateWindow);
    if (elements.length === 0) this.contents.clear();
    else this.contents.replace!(elements);
  }

  private clearAllState(window: W, stateWindow: W, set: MergingWindowSet<W> | undefined): void {
    this.contents.setNamespace(stateWindow);
    this.contents.clear();
    this.triggerCtx.window = window;
    this.trigger.clear(window, this.triggerCtx);
    this.processCtx.window = window;
    this.fn.clear(this.processCtx);
    if (set !== undefined) {
      set.retireWindow(window);
      this.mergingSets!.persist(set);
    }
  }

  /** Called by the merging window set for each merge that changes a window (internal). */
  mergeWindows(mergeResult: W, mergedWindows: readonly W[], stateWindowResult: W, mergedStateWindows: readonly W[]): void {
    if (this.eventTime) {
      const watermark = this.timers.currentWatermark();
      if (mergeResult.maxTimestamp() + this.allowedLateness <= watermark) {
        throw new TributaryError(
          'INVALID_WINDOW_MERGE',
          `the end of an event-time window cannot move before the current watermark by merging (watermark ${watermark}, window ${String(mergeResult)})`,
        );
      }
    } else {
      const now = this.timers.currentProcessingTime();
      if (mergeResult.maxTimestamp() <= now) {
        throw new TributaryError(
          'INVALID_WINDOW_MERGE',
          `the end of a processing-time window cannot move before the current processing time by merging (now ${now}, window ${String(mergeResult)})`,
        );
      }
    }
    if (this.sessionTimers !== undefined) {
      this.sessionMergeCovered = this.sessionTimers.onMerge(mergedWindows as unknown as readonly TimeWindow[], this.sessionSet as never);
      if (mergedStateWindows.length > 0) this.contents.mergeNamespaces(stateWindowResult, mergedStateWindows);
      return;
    }
    const ctx = this.triggerCtx;
    ctx.window = mergeResult;
    ctx.mergedWindows = mergedWindows;
    try {
      callOnMerge(this.trigger, mergeResult, ctx);
    } finally {
      ctx.mergedWindows = NO_WINDOWS;
    }
    for (const merged of mergedWindows) {
      ctx.window = merged;
      this.trigger.clear(merged, ctx);
      this.deleteCleanupTimer(merged);
    }
    this.contents.mergeNamespaces(stateWindowResult, mergedStateWindows);
  }

  private cleanupTime(window: W): number {
    return this.eventTime ? window.maxTimestamp() + this.allowedLateness : window.maxTimestamp();
  }

  private registerCleanupTimer(window: W): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return; // the global window: never cleaned up
    if (this.eventTime) this.timers.registerEventTimeTimer(window, time);
    else this.timers.registerProcessingTimeTimer(window, time);
  }

  private deleteCleanupTimer(window: W): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.eventTime) this.timers.deleteEventTimeTimer(window, time);
    else this.timers.deleteProcessingTimeTimer(window, time);
  }

  /** Whether any key has window contents (read at `open`, after a restore). */
  private hasContents(): boolean {
    for (const _ of this.keyed.keys(WINDOW_CONTENTS_STATE)) return true;
    return false;
  }

  private isWindowLate(window: W): boolean {
    return this.eventTime && this.cleanupTime(window) <= this.timers.currentWatermark();
  }

  private isElementLate(timestamp: number): boolean {
    return this.eventTime && timestamp + this.allowedLateness <= this.timers.currentWatermark();
  }

  private failure(error: unknown, record: unknown, what: string): unknown {
    if (error instanceof TributaryError) return error;
    return new UserFunctionError(this.ctx.name, this.ctx.uid, record, error, what);
  }
}

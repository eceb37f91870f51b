/**
 * Owns the internal timer services of one keyed operator subtask: timers
 * deduplicated by (time, key, namespace), fired in time order across all of
 * the operator's services, with the backend's current key set to the
 * timer's key.
 *
 * ```ts
 * const timers = new TimerServiceManager({ backend, clock, onEventTime, onProcessingTime, onError });
 * const windows = timers.getTimerService<TimeWindow>('window-timers', (w) => w.start);
 * backend.setCurrentKey('alice');
 * windows.registerEventTimeTimer(window, window.maxTimestamp());
 * timers.advanceWatermark(wm); // fires every event-time timer <= wm
 * ```
 *
 * Event time advances through `advanceWatermark` (errors thrown by the
 * callback propagate to its caller). Processing time is driven by the clock:
 * one wakeup is scheduled for the earliest processing-time timer; when it
 * runs, every timer `<= clock.now()` fires and errors go to `onError`.
 * Timers registered while firing fire in the same pass when already due.
 *
 * Snapshots group timers by key group, so they rescale with keyed state.
 */
import type { Key } from '../api/functions.js';
import { checkArgument, TributaryError } from '../errors.js';
import type { InternalTimer } from '../operators/StreamOperator.js';
import type { Cancel, Clock } from '../time/clock.js';
import { HeapKeyedStateBackend, type KeyGroupRange } from './HeapKeyedStateBackend.js';
import type { NamespaceId } from './heap/StateTable.js';
import type { InternalTimerService } from './InternalTimerService.js';
import type { KeyedStateAccess, NamespaceKey } from './KeyedStateAccess.js';
import { DEFAULT_MAX_PARALLELISM, keyGroupOf } from './KeyGroups.js';
import { TimerQueue, type KeySource, type TimerSink } from './timers/TimerQueue.js';

export interface TimerServiceManagerOptions {
  /** The keyed state backend whose current key timers are registered for and fired with. */
  readonly backend: KeyedStateAccess;
  /** Processing time and wakeups. */
  readonly clock: Clock;
  /** Called for each due event-time timer, with the backend's current key set to `timer.key`. */
  readonly onEventTime: (timer: InternalTimer) => void;
  /** Called for each due processing-time timer, with the backend's current key set to `timer.key`. */
  readonly onProcessingTime: (timer: InternalTimer) => void;
  /** Receives errors thrown while firing processing-time timers (they run from clock callbacks). */
  readonly onError: (error: unknown) => void;
  /**
   * The number of key groups snapshots are grouped by. Defaults to the
   * backend's when it is a `HeapKeyedStateBackend`, else 128. Must match the keyed state's.
   */
  readonly maxParallelism?: number;
}

/** One timer in a snapshot. */
export type TimerEntry = [time: number, key: Key, namespace: unknown];

/** The timers of one service (in one key group). */
export interface ServiceTimersSnapshot {
  readonly event: TimerEntry[];
  readonly processing: TimerEntry[];
}

/** Timers grouped by key group, then by service name. JSON-friendly except for infinite times. */
export interface TimersSnapshot {
  readonly maxParallelism: number;
  readonly keyGroups: Record<number, Record<string, ServiceTimersSnapshot>>;
}

type Domain = 'event' | 'processing';

/** What a service needs from its manager. */
interface TimerHost {
  readonly backend: KeyedStateAccess;
  readonly clock: Clock;
  currentWatermark(): number;
  added(domain: Domain, time: number): void;
}

/**
 * A manager's `TimerHost`. A class, so that the services' hot calls
 * (`currentWatermark`) reach the same function in every job, which
 * optimized code inlined; per-manager closures would deoptimize it.
 */
class ManagerHost implements TimerHost {
  constructor(
    readonly backend: KeyedStateAccess,
    readonly clock: Clock,
    private readonly manager: TimerServiceManager,
  ) {}

  currentWatermark(): number {
    return this.manager.currentWatermark();
  }

  added(domain: Domain, time: number): void {
    this.manager.timerAdded(domain, time);
  }
}

function checkTime(time: number): void {
  if (Number.isNaN(time)) throw new RangeError('timer time must be a number, got NaN');
}

/** One named timer service: an event-time and a processing-time queue. */
class KeyedTimerService<N> implements InternalTimerService<N> {
  readonly event = new TimerQueue<N>();
  readonly processing = new TimerQueue<N>();

  constructor(
    private readonly host: TimerHost,
    private readonly namespaceKey: NamespaceKey<N> | undefined,
  ) {}

  currentProcessingTime(): number {
    return this.host.clock.now();
  }

  currentWatermark(): number {
    return this.host.currentWatermark();
  }

  registerEventTimeTimer(namespace: N, time: number): void {
    checkTime(time);
    if (this.event.add(time, this.host.backend.getCurrentKey(), this.identity(namespace), namespace)) this.host.added('event', time);
  }

  deleteEventTimeTimer(namespace: N, time: number): void {
    this.event.remove(time, this.host.backend.getCurrentKey(), this.identity(namespace));
  }

  registerEventTimeTimerForAllKeys(namespace: N, time: number, keys: KeySource<N>): void {
    checkTime(time);
    if (this.event.addForAllKeys(time, this.identity(namespace), namespace, keys)) this.host.added('event', time);
  }

  registerProcessingTimeTimerForAllKeys(namespace: N, time: number, keys: KeySource<N>): void {
    checkTime(time);
    if (this.processing.addForAllKeys(time, this.identity(namespace), namespace, keys)) this.host.added('processing', time);
  }

  registerProcessingTimeTimer(namespace: N, time: number): void {
    checkTime(time);
    if (this.processing.add(time, this.host.backend.getCurrentKey(), this.identity(namespace), namespace)) {
      this.host.added('processing', time);
    }
  }

  deleteProcessingTimeTimer(namespace: N, time: number): void {
    this.processing.remove(time, this.host.backend.getCurrentKey(), this.identity(namespace));
  }

  /** Adds a restored timer for `key`. */
  restore(domain: Domain, time: number, key: Key, namespace: N): void {
    if (this.queue(domain).add(time, key, this.identity(namespace), namespace)) this.host.added(domain, time);
  }

  queue(domain: Domain): TimerQueue<N> {
    return domain === 'event' ? this.event : this.processing;
  }

  private identity(namespace: N): NamespaceId {
    return this.namespaceKey === undefined ? (namespace as NamespaceId) : this.namespaceKey(namespace);
  }
}

/** The internal timers of one keyed operator subtask; see the module comment. */
export class TimerServiceManager {
  readonly maxParallelism: number;
  private readonly backend: KeyedStateAccess;
  private readonly clock: Clock;
  private readonly onEventTime: (timer: InternalTimer) => void;
  private readonly onProcessingTime: (timer: InternalTimer) => void;
  private readonly onError: (error: unknown) => void;
  private readonly services = new Map<string, KeyedTimerService<any>>();
  /** Restored timers of services not created yet. */
  private readonly pending = new Map<string, { event: TimerEntry[]; processing: TimerEntry[] }>();
  private readonly host: TimerHost;
  private watermark = Number.NEGATIVE_INFINITY;

  /** The domain and time being fired, so an earlier timer registered meanwhile can preempt the rest of the slot. */
  private firingDomain: Domain | undefined = undefined;
  private firingTime = 0;
  private preempted = false;

  private wakeupAt: number | undefined = undefined;
  private cancelWakeup: Cancel | undefined = undefined;
  private inWakeup = false;
  private closed = false;

  constructor(options: TimerServiceManagerOptions) {
    this.backend = options.backend;
    this.clock = options.clock;
    this.onEventTime = options.onEventTime;
    this.onProcessingTime = options.onProcessingTime;
    this.onError = options.onError;
    this.maxParallelism =
      options.maxParallelism ?? (options.backend instanceof HeapKeyedStateBackend ? options.backend.maxParallelism : DEFAULT_MAX_PARALLELISM);
    checkArgument(Number.isInteger(this.maxParallelism) && this.maxParallelism >= 1, `maxParallelism must be an integer >= 1, got ${this.maxParallelism}`);
    this.host = new ManagerHost(this.backend, this.clock, this);
  }

  /**
   * The timer service with this name, created on first use (the same name
   * returns the same service). `namespaceKey` maps namespaces that are not
   * strings or numbers (e.g. windows) to a primitive identity.
   */
  getTimerService<N>(name: string, namespaceKey?: NamespaceKey<N>): InternalTimerService<N> {
    let service = this.services.get(name) as KeyedTimerService<N> | undefined;
    if (service !== undefined) return service;
    service = new KeyedTimerService<N>(this.host, namespaceKey);
    this.services.set(name, service);
    const pending = this.pending.get(name);
    if (pending !== undefined) {
      this.pending.delete(name);
      this.load(service, pending);
    }
    return service;
  }

  /** The highest watermark passed to `advanceWatermark`; `-Infinity` before the first. */
  currentWatermark(): number {
    return this.watermark;
  }

  /**
   * Moves event time to `watermark` (it never goes back) and fires every
   * event-time timer `<=` it in time order, across all services, including
   * timers registered by the callbacks that are already due.
   */
  advanceWatermark(watermark: number): void {
    if (watermark > this.watermark) this.watermark = watermark;
    this.fireDue('event', this.watermark);
  }

  /** The number of live event-time timers (restored ones included). */
  numEventTimeTimers(): number {
    return this.count('event');
  }

  /** The number of live processing-time timers (restored ones included). */
  numProcessingTimeTimers(): number {
    return this.count('processing');
  }

  /** Every timer, grouped by key group and service name. */
  snapshot(): TimersSnapshot {
    const maxParallelism = this.maxParallelism;
    const keyGroups: Record<number, Record<string, ServiceTimersSnapshot>> = {};
    const add = (name: string, domain: Domain, entry: TimerEntry): void => {
      const group = (keyGroups[keyGroupOf(entry[1], maxParallelism)] ??= {});
      (group[name] ??= { event: [], processing: [] })[domain].push(entry);
    };
    for (const [name, service] of this.services) {
      for (const entry of service.event.entries()) add(name, 'event', entry);
      for (const entry of service.processing.entries()) add(name, 'processing', entry);
    }
    for (const [name, pending] of this.pending) {
      for (const entry of pending.event) add(name, 'event', entry);
      for (const entry of pending.processing) add(name, 'processing', entry);
    }
    return { maxParallelism, keyGroups };
  }

  /**
   * Loads the timers of the key groups in `keyGroupRange` (default: the
   * backend's range, when it is a `HeapKeyedStateBackend`; else all).
   * Processing-time timers already due fire on the clock's next turn.
   * Timers of services not created yet wait for `getTimerService`.
   */
  restore(snapshots: readonly TimersSnapshot[], keyGroupRange?: KeyGroupRange): void {
    for (const snapshot of snapshots) {
      if (snapshot.maxParallelism !== this.maxParallelism) {
        throw new TributaryError(
          'INCOMPATIBLE_STATE',
          `Cannot restore timers taken with maxParallelism ${snapshot.maxParallelism} into an operator with maxParallelism ${this.maxParallelism}`,
        );
      }
    }
    const range = keyGroupRange ?? (this.backend instanceof HeapKeyedStateBackend ? this.backend.keyGroupRange : undefined);
    for (const snapshot of snapshots) {
      for (const [keyGroupText, services] of Object.entries(snapshot.keyGroups)) {
        const keyGroup = Number(keyGroupText);
        if (range !== undefined && (keyGroup < range.start || keyGroup > range.end)) continue;
        for (const [name, timers] of Object.entries(services)) {
          const service = this.services.get(name);
          if (service !== undefined) {
            this.load(service, timers);
          } else {
            let pending = this.pending.get(name);
            if (pending === undefined) {
              pending = { event: [], processing: [] };
              this.pending.set(name, pending);
            }
            for (const entry of timers.event) pending.event.push(entry);
            for (const entry of timers.processing) pending.processing.push(entry);
          }
        }
      }
    }
  }

  /** Cancels the processing-time wakeup; no processing-time timer fires afterwards. */
  close(): void {
    this.closed = true;
    this.cancelWakeup?.();
    this.cancelWakeup = undefined;
    this.wakeupAt = undefined;
  }

  private load(service: KeyedTimerService<any>, timers: ServiceTimersSnapshot): void {
    for (const [time, key, namespace] of timers.event) service.restore('event', time, key, namespace);
    for (const [time, key, namespace] of timers.processing) service.restore('processing', time, key, namespace);
  }

  private count(domain: Domain): number {
    let n = 0;
    for (const service of this.services.values()) n += service.queue(domain).count();
    for (const pending of this.pending.values()) n += pending[domain].length;
    return n;
  }

  /**
   * A timer was added: preempt a firing slot if it is earlier; wake up
   * earlier for processing time. Called by the manager's services (through
   * `ManagerHost`), not by users.
   *
   * @internal
   */
  timerAdded(domain: Domain, time: number): void {
    if (this.firingDomain === domain && time < this.firingTime) this.preempted = true;
    if (domain === 'processing' && !this.inWakeup && !this.closed && (this.wakeupAt === undefined || time < this.wakeupAt)) {
      this.scheduleWakeup(time);
    }
  }

  /** Fires the timers of a domain with time `<= limit`, earliest first. */
  private fireDue(domain: Domain, limit: number): void {
    const outerDomain = this.firingDomain;
    const outerTime = this.firingTime;
    const sink = domain === 'event' ? this.fireEvent : this.fireProcessing;
    try {
      for (;;) {
        let queue: TimerQueue<unknown> | undefined;
        let time = 0;
        for (const service of this.services.values()) {
          const candidate = service.queue(domain);
          const t = candidate.peekTime();
          if (t !== undefined && t <= limit && (queue === undefined || t < time)) {
            queue = candidate;
            time = t;
          }
        }
        if (queue === undefined) return;
        this.firingDomain = domain;
        this.firingTime = time;
        this.preempted = false;
        queue.drain(time, sink);
      }
    } finally {
      this.firingDomain = outerDomain;
      this.firingTime = outerTime;
      this.preempted = false;
    }
  }

  private readonly fireEvent: TimerSink<unknown> = (timestamp, key, namespace) => {
    this.backend.setCurrentKey(key);
    this.onEventTime({ timestamp, key, namespace });
    return !this.preempted;
  };

  private readonly fireProcessing: TimerSink<unknown> = (timestamp, key, namespace) => {
    this.backend.setCurrentKey(key);
    this.onProcessingTime({ timestamp, key, namespace });
    return !this.preempted;
  };

  private scheduleWakeup(at: number): void {
    this.cancelWakeup?.();
    this.wakeupAt = at;
    this.cancelWakeup = this.clock.schedule(at, this.wakeup);
  }

  /** The clock callback: fires due processing-time timers, then schedules the next wakeup. */
  private readonly wakeup = (): void => {
    this.wakeupAt = undefined;
    this.cancelWakeup = undefined;
    if (this.closed) return;
    this.inWakeup = true;
    try {
      this.fireDue('processing', this.clock.now());
    } catch (error) {
      this.onError(error);
    } finally {
      this.inWakeup = false;
    }
    if (this.closed) return;
    let next: number | undefined;
    for (const service of this.services.values()) {
      const t = service.processing.peekTime();
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    if (next !== undefined && (this.wakeupAt === undefined || next < this.wakeupAt)) this.scheduleWakeup(next);
  };
}

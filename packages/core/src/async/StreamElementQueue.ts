/**
 * The result queues of the async I/O operator (Flink's StreamElementQueue):
 * they hold a record's entry from arrival until its result may be emitted,
 * and the watermarks between records.
 *
 * - ordered: results leave in arrival order; a watermark leaves once every
 *   record before it has;
 * - unordered: results leave as soon as they complete, but only within the
 *   current watermark segment — a result never overtakes a watermark, and a
 *   watermark never overtakes a record that arrived before it.
 */

/**
 * What the queues need to know about an entry.
 *
 * ```ts
 * const entry: QueueEntry = { completed: false };
 * ```
 */
export interface QueueEntry {
  /** True once the entry's outcome is known. */
  readonly completed: boolean;
}

/**
 * Receives what leaves a queue, in emission order.
 *
 * ```ts
 * queue.drain({ entry: (e) => output.collect(e.result, e.timestamp), watermark: (w) => output.emitWatermark(w) });
 * ```
 */
export interface QueueOutput<E> {
  entry(entry: E): void;
  watermark(watermark: number): void;
}

/**
 * A queue of record entries and watermarks.
 *
 * ```ts
 * const queue = createElementQueue<Entry>('ordered');
 * queue.add(a); queue.add(b); queue.addWatermark(10);
 * b.completed = true; queue.complete(b); queue.drain(out); // nothing: a is first
 * a.completed = true; queue.complete(a); queue.drain(out); // a, b, watermark 10
 * ```
 */
export interface StreamElementQueue<E extends QueueEntry> {
  /** True when it holds neither entries nor watermarks. */
  isEmpty(): boolean;
  add(entry: E): void;
  addWatermark(watermark: number): void;
  /** Tells the queue that `entry` completed. */
  complete(entry: E): void;
  /** Emits everything that may leave now. */
  drain(output: QueueOutput<E>): void;
}

/**
 * An ordered or unordered queue.
 *
 * ```ts
 * const queue = createElementQueue<Entry>('unordered');
 * ```
 */
export function createElementQueue<E extends QueueEntry>(mode: 'ordered' | 'unordered'): StreamElementQueue<E> {
  return mode === 'ordered' ? new OrderedElementQueue<E>() : new UnorderedElementQueue<E>();
}

interface WatermarkElement {
  readonly watermark: number;
}

class OrderedElementQueue<E extends QueueEntry> implements StreamElementQueue<E> {
  private readonly elements: Array<E | WatermarkElement> = [];

  isEmpty(): boolean {
    return this.elements.length === 0;
  }

  add(entry: E): void {
    this.elements.push(entry);
  }

  addWatermark(watermark: number): void {
    const last = this.elements[this.elements.length - 1];
    // Consecutive watermarks collapse into the latest.
    if (last !== undefined && 'watermark' in last) this.elements[this.elements.length - 1] = { watermark };
    else this.elements.push({ watermark });
  }

  complete(): void {}

  drain(output: QueueOutput<E>): void {
    const elements = this.elements;
    let n = 0;
    for (; n < elements.length; n++) {
      const head = elements[n] as E | WatermarkElement;
      if ('watermark' in head) output.watermark(head.watermark);
      else if (head.completed) output.entry(head);
      else break;
    }
    if (n > 0) elements.splice(0, n);
  }
}

/** The records between two watermarks, and the watermark that closes them. */
interface Segment<E> {
  readonly pending: Set<E>;
  readonly completed: E[];
  watermark: number | undefined;
}

class UnorderedElementQueue<E extends QueueEntry> implements StreamElementQueue<E> {
  /** The last segment is open (no closing watermark yet). */
  private readonly segments: Segment<E>[] = [UnorderedElementQueue.segment()];
  private readonly segmentOf = new Map<E, Segment<E>>();

  private static segment<E>(): Segment<E> {
    return { pending: new Set(), completed: [], watermark: undefined };
  }

  isEmpty(): boolean {
    const first = this.segments[0] as Segment<E>;
    return this.segments.length === 1 && first.pending.size === 0 && first.completed.length === 0;
  }

  add(entry: E): void {
    const open = this.segments[this.segments.length - 1] as Segment<E>;
    open.pending.add(entry);
    this.segmentOf.set(entry, open);
  }

  addWatermark(watermark: number): void {
    const segments = this.segments;
    const open = segments[segments.length - 1] as Segment<E>;
    const previous = segments[segments.length - 2];
    if (previous !== undefined && open.pending.size === 0 && open.completed.length === 0) {
      // No record since the last watermark: the new one replaces it.
      previous.watermark = watermark;
      return;
    }
    open.watermark = watermark;
    segments.push(UnorderedElementQueue.segment());
  }

  complete(entry: E): void {
    const segment = this.segmentOf.get(entry);
    if (segment === undefined || !segment.pending.delete(entry)) return;
    segment.completed.push(entry);
  }

  drain(output: QueueOutput<E>): void {
    const segments = this.segments;
    for (;;) {
      const first = segments[0] as Segment<E>;
      for (const entry of first.completed) {
        this.segmentOf.delete(entry);
        output.entry(entry);
      }
      first.completed.length = 0;
      if (first.pending.size > 0 || first.watermark === undefined) return;
      segments.shift();
      output.watermark(first.watermark);
    }
  }
}

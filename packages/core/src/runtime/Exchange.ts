/**
 * An exchange: the channel from one producer subtask to the subtasks of a
 * consumer across a task boundary. Records are partitioned (forward,
 * rebalance, by key group, broadcast, global) into one bounded buffer per
 * consumer subtask; a full buffer is handed to the consumer at once, which
 * processes the whole batch before the producer continues — so a full
 * channel pauses its producer, and memory per channel is bounded by the
 * buffer size. Control elements flush the buffers first, keeping order.
 */
import type { Key, KeySelector } from '../api/functions.js';
import type { Partitioner } from '../api/Transformation.js';
import { UserFunctionError } from '../errors.js';
import { keyGroupOf, subtaskForKeyGroup } from '../state/KeyGroups.js';
import type { InputGate } from './InputGate.js';
import type { RecordTarget } from './RecordTarget.js';

/** One consumer subtask's end of the exchange. */
export interface ExchangeConsumer {
  readonly gate: InputGate;
  readonly channel: number;
}

class Buffer {
  readonly values: unknown[] = [];
  readonly timestamps: number[] = [];
  /**
   * Starts with elements of any kind (the `undefined` is overwritten): an
   * array that only ever held numbers may switch to unboxed doubles after a
   * single fractional key, and would then box every key it hands out anew.
   */
  readonly keys: (Key | undefined)[] = [undefined];
  size = 0;
}

export class Exchange implements RecordTarget {
  private readonly buffers: Buffer[];
  private roundRobin: number;
  private readonly keySelector: KeySelector<unknown, Key> | undefined;

  constructor(
    private readonly partitioner: Partitioner,
    private readonly consumers: readonly ExchangeConsumer[],
    private readonly producerSubtask: number,
    private readonly maxParallelism: number,
    private readonly capacity: number,
    /** Names the keyBy in errors. */
    private readonly description: string,
  ) {
    this.buffers = consumers.map(() => new Buffer());
    this.roundRobin = producerSubtask % consumers.length;
    this.keySelector = partitioner.kind === 'hash' ? partitioner.keySelector : undefined;
  }

  record(value: unknown, timestamp: number): void {
    switch (this.partitioner.kind) {
      case 'hash': {
        const key = this.selectKey(value);
        this.push(this.subtaskOf(key), value, timestamp, key);
        return;
      }
      case 'forward':
        this.push(this.producerSubtask % this.consumers.length, value, timestamp, undefined);
        return;
      case 'rebalance':
        this.push(this.roundRobin, value, timestamp, undefined);
        this.roundRobin = (this.roundRobin + 1) % this.consumers.length;
        return;
      case 'global':
        this.push(0, value, timestamp, undefined);
        return;
      case 'broadcast':
        for (let i = 0; i < this.consumers.length; i++) this.push(i, value, timestamp, undefined);
        return;
    }
  }

  watermark(watermark: number): void {
    this.flush();
    for (const c of this.consumers) c.gate.watermark(c.channel, watermark);
  }

  idle(idle: boolean): void {
    this.flush();
    for (const c of this.consumers) c.gate.idle(c.channel, idle);
  }

  endOfInput(): void {
    this.flush();
    for (const c of this.consumers) c.gate.endOfInput(c.channel);
  }

  barrier(checkpointId: number): void {
    this.flush();
    for (const c of this.consumers) c.gate.barrier(c.channel, checkpointId);
  }

  flush(): void {
    for (let i = 0; i < this.buffers.length; i++) {
      if ((this.buffers[i] as Buffer).size > 0) this.deliver(i);
    }
  }

  private push(target: number, value: unknown, timestamp: number, key: Key | undefined): void {
    const buffer = this.buffers[target] as Buffer;
    const n = buffer.size;
    buffer.values[n] = value;
    buffer.timestamps[n] = timestamp;
    buffer.keys[n] = key;
    buffer.size = n + 1;
    if (n + 1 >= this.capacity) this.deliver(target);
  }

  private deliver(target: number): void {
    const buffer = this.buffers[target] as Buffer;
    const size = buffer.size;
    buffer.size = 0;
    const consumer = this.consumers[target] as ExchangeConsumer;
    consumer.gate.processBatch(consumer.channel, buffer.values, buffer.timestamps, buffer.keys, size);
  }

  /** The consumer subtask owning the key's group (a single consumer owns them all: no hashing). */
  private subtaskOf(key: Key): number {
    const parallelism = this.consumers.length;
    if (parallelism === 1) return 0;
    return subtaskForKeyGroup(keyGroupOf(key, this.maxParallelism), this.maxParallelism, parallelism);
  }

  private selectKey(value: unknown): Key {
    let key: Key;
    try {
      key = (this.keySelector as KeySelector<unknown, Key>)(value);
    } catch (error) {
      throw new UserFunctionError(this.description, undefined, value, error);
    }
    const type = typeof key;
    if (type !== 'string' && type !== 'number' && type !== 'bigint' && type !== 'boolean') {
      throw new UserFunctionError(
        this.description,
        undefined,
        value,
        new TypeError(`the key selector returned a ${key === null ? 'null' : type}; keys must be strings, numbers, bigints or booleans`),
      );
    }
    return type === 'number' ? canonicalNumberKey(key as number) : key;
  }
}

/**
 * An integral number key in the 32-bit range as a small integer: arithmetic
 * (`h % n` of an unsigned 32-bit hash, say) can produce integral values as
 * heap-allocated doubles, and a keyed state table holding such keys pays a
 * pointer chase per comparison on every lookup (sliding windows ran at half
 * speed). Equal keys stay equal: `Map` compares numbers by value.
 */
function canonicalNumberKey(key: number): number {
  const int = key | 0;
  return int === key ? int : key;
}

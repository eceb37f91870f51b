/**
 * BroadcastStream: a stream whose every record reaches every subtask of the
 * operator it is connected to, together with the broadcast state
 * descriptors that operator keeps it in. Made by `stream.broadcast(d1, …)`;
 * used with `other.connect(broadcastStream).process(fn)`.
 */
import type { MapStateDescriptor } from '../state/descriptors.js';
import type { DataStream } from './DataStream.js';

export class BroadcastStream<T> {
  /** @internal */
  constructor(
    /** The broadcast-partitioned stream. */
    readonly stream: DataStream<T>,
    readonly descriptors: readonly MapStateDescriptor<any, any>[],
  ) {}
}

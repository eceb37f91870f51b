/**
 * Breaks the module cycle between DataStream and KeyedStream (which extends
 * it): KeyedStream registers its constructor here when its module loads, and
 * `DataStream.keyBy` creates keyed streams through it.
 */
import type { Key, KeySelector } from './functions.js';
import type { KeyedStream } from './KeyedStream.js';
import type { StreamEnvironment } from './StreamEnvironment.js';
import type { Transformation } from './Transformation.js';

type Factory = <K extends Key, T>(env: StreamEnvironment, t: Transformation, keySelector: KeySelector<T, K>) => KeyedStream<K, T>;

let factory: Factory | undefined;

export function registerKeyedStreamFactory(f: Factory): void {
  factory = f;
}

export function createKeyedStream<K extends Key, T>(
  env: StreamEnvironment,
  t: Transformation,
  keySelector: KeySelector<T, K>,
): KeyedStream<K, T> {
  if (factory === undefined) throw new Error('internal: KeyedStream module not loaded (import from @tributary/core)');
  return factory(env, t, keySelector);
}

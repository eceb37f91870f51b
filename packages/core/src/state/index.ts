/**
 * Keyed state: descriptors, the state interfaces, the heap backend, timers
 * and key groups. Operators reach state through `OperatorContext.keyed`;
 * user functions through `RuntimeContext.getState(...)`.
 */
export {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  normalizeTtl,
  type StateDescriptor,
  type StateTtlConfig,
} from './descriptors.js';
export type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from './State.js';
export {
  VOID_NAMESPACE,
  type KeyedStateAccess,
  type KeyedStateSnapshot,
  type KeyGroupSnapshot,
  type MergingNamespaced,
  type Namespaced,
  type NamespaceKey,
  type StateKind,
  type StateMeta,
} from './KeyedStateAccess.js';
export type { InternalTimerService } from './InternalTimerService.js';
export type { KeySource } from './timers/TimerQueue.js';
export { HeapKeyedStateBackend, type HeapKeyedStateBackendOptions, type KeyGroupRange } from './HeapKeyedStateBackend.js';
export {
  TimerServiceManager,
  type ServiceTimersSnapshot,
  type TimerEntry,
  type TimersSnapshot,
  type TimerServiceManagerOptions,
} from './TimerServiceManager.js';
export { DEFAULT_MAX_PARALLELISM, hashKey, keyGroupOf, keyGroupRange, subtaskForKeyGroup } from './KeyGroups.js';

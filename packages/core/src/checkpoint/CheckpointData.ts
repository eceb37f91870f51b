/**
 * What a checkpoint or savepoint contains: per operator (matched by its
 * uid, or a stable id derived from its position in the graph) the state of
 * each parallel subtask — keyed state and timers grouped by key group,
 * operator state (sink committables, broadcast state, in-flight async
 * records) and source split positions. Written by a CheckpointStorage;
 * restorable at another parallelism because keyed state is grouped by key
 * group and splits and operator state are redistributed.
 */
import type { KeyedStateSnapshot } from '../state/KeyedStateAccess.js';
import type { TimersSnapshot } from '../state/TimerServiceManager.js';

/** Bumped when the layout changes; restoring an unknown version fails with a clear message. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** What a subtask's state holds once decoded. */
export interface SubtaskStateContent {
  readonly keyed?: KeyedStateSnapshot;
  readonly timers?: TimersSnapshot;
  /** What the operator's `snapshotState` returned. */
  readonly operator?: unknown;
  /** Source subtasks: the positions of their splits. */
  readonly splits?: readonly unknown[];
}

/**
 * The text `encodeState(content)` gives for a `SubtaskStateContent` whose
 * parts were encoded separately (each part an `encodeState` text, or
 * absent) — so that a large part can be encoded asynchronously.
 *
 * ```ts
 * encodeSubtaskState({ timers: encodeState(timers), operator: encodeState(42) }); // '{"timers":…,"operator":42}'
 * ```
 */
export function encodeSubtaskState(parts: {
  readonly keyed?: string | undefined;
  readonly timers?: string | undefined;
  readonly operator?: string | undefined;
}): string {
  const properties: string[] = [];
  if (parts.keyed !== undefined) properties.push(`"keyed":${parts.keyed}`);
  if (parts.timers !== undefined) properties.push(`"timers":${parts.timers}`);
  if (parts.operator !== undefined) properties.push(`"operator":${parts.operator}`);
  return `{${properties.join(',')}}`;
}

/**
 * One parallel subtask's state, encoded (`encodeState`) as it was when the
 * barrier passed, so later changes to live state cannot leak in: timers and
 * operator state are encoded at the barrier, keyed state by a copy-on-access
 * pass between records (`KeyedSnapshotPass`).
 */
export interface SubtaskState {
  readonly subtask: number;
  readonly state: string;
}

/** One operator's state across its subtasks. */
export interface OperatorState {
  /** The uid, or `<name>#<index>` for operators without one. */
  readonly operatorId: string;
  readonly name: string;
  readonly parallelism: number;
  readonly subtasks: readonly SubtaskState[];
}

export interface CheckpointData {
  readonly formatVersion: number;
  readonly jobName: string;
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  /** When the checkpoint was triggered (ms since the epoch). */
  readonly timestamp: number;
  readonly maxParallelism: number;
  readonly operators: Readonly<Record<string, OperatorState>>;
}

/** Where a stored checkpoint lives and what it is. */
export interface CheckpointInfo {
  readonly location: string;
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly timestamp: number;
}

/**
 * Stores checkpoints. A checkpoint counts only once its metadata has been
 * written — last, and atomically — so a crash mid-write leaves the previous
 * checkpoint as the latest complete one.
 */
export interface CheckpointStorage {
  /** Persists a checkpoint; resolves with its location once it is complete. */
  save(data: CheckpointData): Promise<CheckpointInfo>;
  /**
   * The newest complete, readable checkpoint or savepoint. Unreadable ones
   * (truncated, corrupt, unknown format) are skipped and reported to `onSkip`
   * with the reason.
   */
  loadLatest(onSkip?: (location: string, reason: string) => void): Promise<{ info: CheckpointInfo; data: CheckpointData } | undefined>;
  /** Loads one checkpoint by location (a path, or an S3 URL for S3 storage). Fails with a clear message. */
  load(location: string): Promise<CheckpointData>;
  /** Complete checkpoints and savepoints, oldest first. */
  list(): Promise<CheckpointInfo[]>;
  /** Deletes all but the newest `retain` checkpoints (savepoints are kept). */
  prune(retain: number): Promise<void>;
}

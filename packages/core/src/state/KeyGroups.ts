/**
 * Key groups: the unit in which keyed state is stored, snapshotted and
 * redistributed. A key belongs to key group `hash(key) % maxParallelism`;
 * key groups are spread over subtasks in contiguous ranges, so a savepoint
 * taken at one parallelism can be restored at another.
 */
import type { Key } from '../api/functions.js';

/** The default number of key groups (Flink's default for small jobs). */
export const DEFAULT_MAX_PARALLELISM = 128;

/** A 32-bit murmur3-style finaliser: spreads bits so `% n` is balanced. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** A stable 32-bit hash of a key. Equal keys hash equally across runs and processes. */
export function hashKey(key: Key): number {
  switch (typeof key) {
    case 'number':
      return mix(Number.isInteger(key) && Math.abs(key) <= 0x7fffffff ? key | 0 : hashString(String(key)));
    case 'string':
      return mix(hashString(key));
    case 'bigint':
      return mix(hashString(key.toString()));
    case 'boolean':
      return mix(key ? 1231 : 1237);
    default:
      throw new TypeError(`keys must be strings, numbers, bigints or booleans, got ${typeof key}`);
  }
}

/** The key group of a key. */
export function keyGroupOf(key: Key, maxParallelism: number): number {
  return hashKey(key) % maxParallelism;
}

/** The subtask that owns a key group (Flink's formula: contiguous ranges). */
export function subtaskForKeyGroup(keyGroup: number, maxParallelism: number, parallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The inclusive key-group range a subtask owns. */
export function keyGroupRange(subtask: number, maxParallelism: number, parallelism: number): { start: number; end: number } {
  const start = Math.ceil((subtask * maxParallelism) / parallelism);
  const end = Math.ceil(((subtask + 1) * maxParallelism) / parallelism) - 1;
  return { start, end };
}

// Namespace timers (`addForAllKeys`): one entry standing for a timer of
// every key its source lists when it fires; drained after the keys' own
// timers of the same time, expanded key by key in `entries`, counted key by
// key, resumed after a drain that stopped in the middle.
import { describe, expect, it } from 'vitest';
import type { Key } from '../../api/functions.js';
import { TimerQueue, type KeySource } from './TimerQueue.js';

/** Keys per namespace, as window contents would hold them; a fired key leaves. */
class Contents implements KeySource<string> {
  readonly keys_ = new Map<string, Set<Key>>();
  add(ns: string, ...keys: Key[]): void {
    const set = this.keys_.get(ns) ?? new Set();
    for (const k of keys) set.add(k);
    this.keys_.set(ns, set);
  }
  keys(ns: string): Iterable<Key> {
    return this.keys_.get(ns) ?? [];
  }
  count(ns: string): number {
    return this.keys_.get(ns)?.size ?? 0;
  }
}

function drainAll(queue: TimerQueue<string>, contents: Contents, stopAfter = Number.POSITIVE_INFINITY): string[] {
  const fired: string[] = [];
  for (let time = queue.peekTime(); time !== undefined; time = queue.peekTime()) {
    queue.drain(time, (t, key, ns) => {
      fired.push(`${t}/${String(key)}/${ns}`);
      contents.keys_.get(ns)?.delete(key);
      return fired.length < stopAfter;
    });
    if (fired.length >= stopAfter) break;
  }
  return fired;
}

describe('TimerQueue namespace timers', () => {
  it('fire for every key the source lists at firing time, after the keys own timers of that time, in time order', () => {
    const queue = new TimerQueue<string>();
    const contents = new Contents();
    contents.add('w10', 'a', 'b');
    expect(queue.addForAllKeys(10, 'w10', 'w10', contents)).toBe(true);
    expect(queue.addForAllKeys(10, 'w10', 'w10', contents)).toBe(false); // one per namespace and time
    queue.add(5, 'z', 'w5', 'w5');
    queue.add(10, 'c', 'other', 'other');
    contents.add('w10', 'd'); // listed when it fires, not when registered
    expect(queue.count()).toBe(5);
    expect(queue.has(10, 'd', 'w10')).toBe(true);
    expect(queue.remove(10, 'a', 'w10')).toBe(false); // not deletable key by key
    expect(drainAll(queue, contents)).toEqual(['5/z/w5', '10/c/other', '10/a/w10', '10/b/w10', '10/d/w10']);
    expect(queue.count()).toBe(0);
    expect(queue.peekTime()).toBeUndefined();
  });

  it('fire a key once when it also has a timer of its own for the namespace at that time (as restored from a snapshot)', () => {
    const queue = new TimerQueue<string>();
    const contents = new Contents();
    contents.add('w', 'a', 'b');
    queue.add(4, 'a', 'w', 'w'); // restored own timer
    queue.addForAllKeys(4, 'w', 'w', contents);
    const fired: string[] = [];
    queue.drain(4, (t, key, ns) => {
      fired.push(`${t}/${String(key)}/${ns}`);
      return true; // a firing that does not clean up (e.g. allowed lateness): the key stays listed
    });
    expect(fired).toEqual(['4/a/w', '4/b/w']);
    expect(queue.peekTime()).toBeUndefined();
  });

  it('are expanded key by key in entries (what snapshots store)', () => {
    const queue = new TimerQueue<string>();
    const contents = new Contents();
    contents.add('w', 1, 2);
    queue.addForAllKeys(7, 'w', 'w', contents);
    queue.add(7, 3, 'v', 'v');
    expect([...queue.entries()]).toEqual([
      [7, 3, 'v'],
      [7, 1, 'w'],
      [7, 2, 'w'],
    ]);
  });

  it('stay queued when a drain stops in the middle, and fire the remaining keys on the next', () => {
    const queue = new TimerQueue<string>();
    const contents = new Contents();
    contents.add('w', 'a', 'b', 'c');
    queue.addForAllKeys(1, 'w', 'w', contents);
    expect(drainAll(queue, contents, 2)).toEqual(['1/a/w', '1/b/w']);
    expect(queue.count()).toBe(1);
    expect(drainAll(queue, contents)).toEqual(['1/c/w']);
    expect(queue.peekTime()).toBeUndefined();
  });

  it('leave no slot behind when the source lists no key', () => {
    const queue = new TimerQueue<string>();
    const contents = new Contents();
    queue.addForAllKeys(3, 'w', 'w', contents);
    expect(drainAll(queue, contents)).toEqual([]);
    expect(queue.peekTime()).toBeUndefined();
  });
});

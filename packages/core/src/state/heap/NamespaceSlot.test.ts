// Namespace slots (`NamespaceSlot` in StateTable.ts) against a naive oracle:
// windows carry the bucket of their last lookup, so handles switching to a
// window skip the lookup by identity. Random reads, writes, clears and merges
// through handles of two tables — one table also read through a handle with
// another namespace identity — on equal but distinct window objects, with
// snapshot/restore round trips, must read exactly what a plain map holds.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { TestClock } from '../../testing/TestClock.js';
import { namespaceKeyOf } from '../../windowing/windowOperatorInternals.js';
import { TimeWindow } from '../../windowing/windows.js';
import { ListStateDescriptor, ValueStateDescriptor } from '../descriptors.js';
import { HeapKeyedStateBackend } from '../HeapKeyedStateBackend.js';
import type { KeyedStateSnapshot } from '../KeyedStateAccess.js';

const MAX_P = 16;
const BOUNDS = [
  [0, 10],
  [5, 15],
] as const;
/** Two distinct objects per window: equal windows share a bucket, each object has its own slot. */
const WINDOWS = BOUNDS.flatMap(([start, end]) => [new TimeWindow(start, end), new TimeWindow(start, end)]);

// (restored namespaces are plain objects: `namespaceKeyOf` revives them)
const byKey = (w: TimeWindow): string | number => namespaceKeyOf(w);
const byAltKey = (w: TimeWindow): string => `alt:${namespaceKeyOf(w)}`;

type Handle = 'value' | 'valueAlt' | 'list';
type Op =
  | { kind: 'write'; handle: Handle; window: number; key: number; n: number }
  | { kind: 'clear'; handle: Handle; window: number; key: number }
  | { kind: 'read'; handle: Handle; window: number; key: number }
  | { kind: 'merge'; target: number; source: number; key: number }
  | { kind: 'restore' };

const handle = fc.constantFrom<Handle>('value', 'valueAlt', 'list');
const window = fc.nat({ max: WINDOWS.length - 1 });
const KEYS = 2;
const key = fc.nat({ max: KEYS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), handle, window, key, n: fc.nat({ max: 99 }) }),
  fc.record({ kind: fc.constant('clear' as const), handle, window, key }),
  fc.record({ kind: fc.constant('read' as const), handle, window, key }),
  fc.record({ kind: fc.constant('merge' as const), target: window, source: window, key }),
  fc.constant({ kind: 'restore' as const }),
);

/** The oracle's entry id: state (with its namespace identity), window identity, key. */
function entryId(h: Handle, w: TimeWindow, k: number): string {
  return h === 'valueAlt' ? `value|${byAltKey(w)}|${k}` : `${h}|${byKey(w)}|${k}`;
}

function handles(b: HeapKeyedStateBackend) {
  return {
    value: b.getValueState(new ValueStateDescriptor<number>('value'), byKey),
    valueAlt: b.getValueState(new ValueStateDescriptor<number>('value'), byAltKey),
    list: b.getListState(new ListStateDescriptor<number>('list'), byKey),
  };
}

const newBackend = (): HeapKeyedStateBackend =>
  new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: { start: 0, end: MAX_P - 1 }, clock: new TestClock(0) });

describe('namespace slots', () => {
  test.prop([fc.array(op, { maxLength: 80 })], { numRuns: 1000 })('handles read what a plain map holds', (ops) => {
    let backend = newBackend();
    let h = handles(backend);
    const model = new Map<string, unknown>();
    for (const o of ops) {
      if (o.kind === 'restore') {
        // a snapshot names namespaces by the window, restored under the table's first identity: drop the other one's entries first
        for (const w of WINDOWS) {
          for (let k = 0; k < KEYS; k++) {
            backend.setCurrentKey(k);
            h.valueAlt.setCurrentNamespace(w);
            h.valueAlt.clear();
            model.delete(entryId('valueAlt', w, k));
          }
        }
        const snapshot = JSON.parse(JSON.stringify(backend.snapshot())) as KeyedStateSnapshot;
        backend = newBackend();
        backend.restore([snapshot]);
        h = handles(backend);
        continue;
      }
      backend.setCurrentKey(o.key);
      if (o.kind === 'merge') {
        const target = WINDOWS[o.target]!;
        const source = WINDOWS[o.source]!;
        h.list.mergeNamespaces(target, [source]);
        const from = entryId('list', source, o.key);
        const to = entryId('list', target, o.key);
        const moved = model.get(from) as number[] | undefined;
        if (from !== to && moved !== undefined) {
          model.delete(from);
          model.set(to, [...((model.get(to) as number[] | undefined) ?? []), ...moved]);
        }
        continue;
      }
      const w = WINDOWS[o.window]!;
      const id = entryId(o.handle, w, o.key);
      const state = h[o.handle];
      state.setCurrentNamespace(w);
      if (o.kind === 'write') {
        if (o.handle === 'list') {
          h.list.add(o.n);
          model.set(id, [...((model.get(id) as number[] | undefined) ?? []), o.n]);
        } else {
          h[o.handle].update(o.n);
          model.set(id, o.n);
        }
      } else if (o.kind === 'clear') {
        state.clear();
        model.delete(id);
      } else {
        const read = o.handle === 'list' ? h.list.get() : h[o.handle].value();
        expect(read).toEqual(model.get(id) ?? (o.handle === 'list' ? [] : undefined));
      }
    }
  });
});

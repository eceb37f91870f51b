import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Key } from '../api/functions.js';
import { Exchange } from './Exchange.js';
import type { InputGate } from './InputGate.js';

setFlagsFromString('--allow-natives-syntax');
/** V8's own answer to whether a value is a small integer (not a heap-allocated number). */
const isSmallInteger = new Function('x', 'return %IsSmi(x)') as (x: unknown) => boolean;

/** The keys a keyBy exchange hands its single consumer for `keys`. */
function keysThroughExchange(keys: readonly Key[]): Key[] {
  const received: Key[] = [];
  const gate = {
    processBatch(_channel: number, _values: unknown[], _timestamps: number[], batchKeys: (Key | undefined)[], size: number) {
      for (let i = 0; i < size; i++) received.push(batchKeys[i] as Key);
    },
  } as unknown as InputGate;
  const exchange = new Exchange({ kind: 'hash', keySelector: (k: Key) => k }, [{ gate, channel: 0 }], 0, 128, 4, 'keyBy(test)');
  for (const key of keys) exchange.record(key, 0);
  exchange.flush();
  return received;
}

describe('Exchange keys', () => {
  it('hands out integral number keys as small integers, equal to what was selected', () => {
    const heapNumbers = [1.5, 5, -7, 0, 2 ** 31 - 1].slice(1); // elements of a double array are read as heap numbers
    expect(heapNumbers.some((k) => !isSmallInteger(k))).toBe(true);
    const received = keysThroughExchange(heapNumbers);
    expect(received).toEqual([5, -7, 0, 2 ** 31 - 1]);
    expect(received.every(isSmallInteger)).toBe(true);
  });

  it('keeps other keys as they are (fractions, beyond 32 bits, strings, bigints, booleans); -0 becomes 0', () => {
    const keys: Key[] = [1.5, 2 ** 40, -(2 ** 33), 'a', 10n, true];
    expect(keysThroughExchange(keys)).toEqual(keys);
    expect(Object.is(keysThroughExchange([-0])[0], 0)).toBe(true);
  });
});

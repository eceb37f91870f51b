import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from './serialization.js';

const roundTrip = (value: unknown): unknown => decodeState(encodeState(value));

/** Arbitrary state values: JSON plus everything JSON loses, nested. */
const stateValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.double(), // includes NaN, ±Infinity, -0
    fc.integer(),
    fc.bigInt(),
    fc.date(), // includes invalid dates
    fc.constantFrom('$t', 'v', '__proto__', 'toJSON'),
  ),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('$t', 'v', '__proto__', 'toJSON')), tie('value'), {
    maxKeys: 5,
    noNullPrototype: true,
  }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
})).value;

describe('encodeState / decodeState', () => {
  it('round-trips what plain JSON loses', () => {
    const value = {
      big: 12345678901234567890n,
      negativeBig: -1n,
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2n, new Set([1, 'x'])],
        [{ k: 1 }, undefined],
      ]),
      set: new Set([NaN, Infinity, -Infinity]),
      date: new Date(Date.UTC(2024, 1, 29, 12, 30, 15, 123)),
      invalidDate: new Date(NaN),
      undefinedValue: undefined,
      array: [undefined, 1, undefined],
      nan: NaN,
      inf: Infinity,
      negInf: -Infinity,
      negZero: -0,
      nested: [{ timers: [[Infinity, 'key', 0]] }, new Map([['w', -Infinity]])],
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(Object.hasOwn(back, 'undefinedValue')).toBe(true);
    expect(back.array).toHaveLength(3);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.date).toBeInstanceOf(Date);
    expect(back.date.getTime()).toBe(value.date.getTime());
    expect(Number.isNaN(back.invalidDate.getTime())).toBe(true);
  });

  it('round-trips top-level specials', () => {
    expect(roundTrip(undefined)).toBeUndefined();
    expect(roundTrip(NaN)).toBeNaN();
    expect(roundTrip(-Infinity)).toBe(-Infinity);
    expect(roundTrip(7n)).toBe(7n);
    expect(roundTrip('text')).toBe('text');
    expect(roundTrip(null)).toBeNull();
  });

  it('escapes plain objects whose keys collide with the tag marker', () => {
    const tricky = [
      { $t: 'bigint', v: '12' },
      { $t: 'undefined' },
      { $t: 'object', v: { $t: 'number', v: 'NaN' } },
      { $t: 5 },
      { $t: { $t: 'map', v: [] } },
    ];
    expect(roundTrip(tricky)).toEqual(tricky);
  });

  it('keeps a __proto__ key as a property', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "n": NaN}'.replace('NaN', '1')) as Record<string, unknown>;
    value['n'] = NaN; // forces the object to be copied on encode
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.hasOwn(back, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('reads plain JSON as itself and writes JSON-safe data as plain JSON', () => {
    const value = { a: [1, 'two', { three: true }], b: null };
    expect(encodeState(value)).toBe(JSON.stringify(value));
    expect(decodeState('{"a":[1,2]}')).toEqual({ a: [1, 2] });
  });

  it('uses toJSON as JSON does, and writes class instances as their own properties', () => {
    class Window {
      constructor(
        readonly start: number,
        readonly end: number,
      ) {}
      toJSON(): unknown {
        return { start: this.start, end: this.end === Infinity ? 'open' : this.end };
      }
    }
    class Point {
      constructor(
        readonly x: number,
        readonly y: bigint,
      ) {}
      get length(): number {
        return this.x;
      }
    }
    expect(roundTrip([new Window(0, Infinity)])).toEqual([{ start: 0, end: 'open' }]);
    const back = roundTrip(new Point(1, 2n));
    expect(back).toEqual({ x: 1, y: 2n });
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(roundTrip(Object.assign(Object.create(null) as object, { a: -0 }))).toEqual({ a: -0 });
  });

  it('does not modify the value it encodes', () => {
    const value = { counts: [1, NaN, 3], nested: { $t: 'x', when: new Date(0) } };
    const before = JSON.stringify(value);
    encodeState(value);
    expect(JSON.stringify(value)).toBe(before);
    expect(value.nested.when).toBeInstanceOf(Date);
  });

  it('rejects functions, symbols and cycles with a TypeError', () => {
    expect(() => encodeState({ f: () => 1 })).toThrow(/a function is not serializable/);
    expect(() => encodeState([Symbol('s')])).toThrow(/a symbol is not serializable/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encodeState(cyclic)).toThrow(/cycle or is nested too deeply/);
  });

  it('rejects corrupt text', () => {
    expect(() => decodeState('{"a":')).toThrow(SyntaxError);
    expect(() => decodeState('{"$t":"bigint","v":5}')).toThrow(/malformed tag "bigint"/);
    expect(() => decodeState('{"$t":"nonsense"}')).toThrow(TypeError);
    expect(() => decodeState('{"$t":"map","v":[[1]]}')).toThrow(TypeError);
  });

  it('round-trips arbitrary nested values (property)', () => {
    fc.assert(
      fc.property(stateValue, (value) => {
        expect(roundTrip(value)).toStrictEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips fast-check anything', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: false }), (value) => {
        expect(roundTrip(value)).toStrictEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  // 200k entries always; the full 1M-entry measurement with TRIBUTARY_BENCH=1.
  const entries = process.env['TRIBUTARY_BENCH'] === '1' ? 1_000_000 : 200_000;
  it(`encodes and decodes ${entries} keyed-state entries quickly`, () => {
    const list: Array<[number, string, { count: number; sum: number }]> = [];
    for (let i = 0; i < entries; i++) list.push([0, `key-${i}`, { count: i % 100, sum: i * 1.5 }]);
    const snapshot = { maxParallelism: 128, keyGroups: { 7: { counts: list } }, timers: [[Infinity, 'k', 0]] };
    let start = performance.now();
    const text = encodeState(snapshot);
    const encodeMs = performance.now() - start;
    start = performance.now();
    const back = decodeState(text) as typeof snapshot;
    const decodeMs = performance.now() - start;
    console.log(`${entries} entries, ${(text.length / 1e6).toFixed(1)} MB: encode ${encodeMs.toFixed(0)} ms, decode ${decodeMs.toFixed(0)} ms`);
    expect(back.keyGroups[7].counts[entries - 1]).toEqual([0, `key-${entries - 1}`, { count: (entries - 1) % 100, sum: (entries - 1) * 1.5 }]);
    expect(back.timers[0]?.[0]).toBe(Infinity);
    // A guard against pathological slowness, generous for loaded shared machines (typical: under 2 s per million).
    expect(encodeMs + decodeMs).toBeLessThan((entries / 1_000_000) * 12_000);
  }, 60_000);
});

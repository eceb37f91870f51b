/**
 * The text encoding of checkpointed state: JSON that also round-trips what
 * plain JSON loses — bigint, Map, Set, Date, undefined, NaN, ±Infinity
 * (timers and watermarks use them) and -0.
 *
 * A value JSON cannot hold is written as a tagged object
 * `{"$t": kind, "v": payload}`; a plain object that itself has a `$t` key is
 * escaped as `{"$t": "object", "v": {...}}`, so no user data is ever mistaken
 * for a tag. Encoding walks the value once, copying only the arrays and
 * objects that contain something to tag, then hands the result to the native
 * `JSON.stringify`; decoding is the native `JSON.parse` followed by one walk
 * that replaces tags in place. Neither uses a replacer, a reviver or a
 * closure per value.
 *
 * Measured (Node 20, the shared 2-core dev machine, best of 7 under load)
 * on 1,000,000 keyed-state entries `[namespace, key, { count, sum }]`,
 * 44 MB of text: encode ≈ 0.6 s (plain `JSON.stringify` of the same data:
 * ≈ 0.6 s), decode ≈ 1.2 s (plain `JSON.parse` alone: ≈ 1.4 s) — the
 * walks cost next to nothing; the native JSON calls dominate.
 * `TRIBUTARY_BENCH=1 vitest run serialization` prints the figures.
 */

/** The key that marks a tagged value. */
const TAG = '$t';

/** The kinds of tagged values (the value of the `$t` key). */
const Kind = {
  Bigint: 'bigint',
  Number: 'number',
  Undefined: 'undefined',
  Date: 'date',
  Map: 'map',
  Set: 'set',
  Object: 'object',
} as const;

/** One shared tag object for undefined (encoded output is never mutated). */
const UNDEFINED_TAG = { [TAG]: Kind.Undefined };
const NAN_TAG = { [TAG]: Kind.Number, v: 'NaN' };
const INFINITY_TAG = { [TAG]: Kind.Number, v: 'Infinity' };
const NEGATIVE_INFINITY_TAG = { [TAG]: Kind.Number, v: '-Infinity' };
const NEGATIVE_ZERO_TAG = { [TAG]: Kind.Number, v: '-0' };

const objectPrototype = Object.prototype;

/**
 * Encodes a state value (a checkpoint, a snapshot, any part of one) as text.
 *
 * ```ts
 * const text = encodeState({ watermark: -Infinity, counts: new Map([['a', 1n]]) });
 * decodeState(text); // { watermark: -Infinity, counts: Map { 'a' => 1n } }
 * ```
 * Round-trips JSON values plus bigint, Map, Set, Date (also invalid ones),
 * undefined (as array elements, property and Map values), NaN, ±Infinity
 * and -0, nested in any combination.
 *
 * Gotchas: like `JSON.stringify`, objects with a `toJSON` method (a
 * `TimeWindow`) are encoded as what it returns, and other class instances as
 * their own enumerable properties — they come back as plain objects. Shared
 * references are written once per reference. Functions and symbols throw a
 * TypeError (state that silently lost them would restore wrong), as do
 * cycles.
 */
export function encodeState(value: unknown): string {
  let encoded: unknown;
  try {
    encoded = encodeValue(value);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new TypeError('Cannot encode state: it contains a cycle or is nested too deeply', { cause: error });
    }
    throw error;
  }
  return JSON.stringify(encoded);
}

/**
 * Decodes text written by {@link encodeState}.
 *
 * ```ts
 * decodeState(encodeState([1n, undefined, NaN])); // [1n, undefined, NaN]
 * decodeState('{"a":1}');                         // { a: 1 } — plain JSON reads as itself
 * ```
 * Gotchas: throws a SyntaxError for text that is not JSON and a TypeError
 * for a malformed tag (both mean the text is corrupt).
 */
export function decodeState(text: string): unknown {
  return decodeValue(JSON.parse(text) as unknown);
}

// ---------------------------------------------------------------------------
// Encoding: returns the value itself when it needs no tag anywhere inside, so
// plain data is never copied.

function encodeValue(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // `value - value === 0` is false exactly for NaN and ±Infinity.
      return value - value === 0 && (value !== 0 || 1 / value > 0) ? value : encodeSpecialNumber(value);
    case 'object':
      return value === null ? null : encodeObject(value);
    case 'undefined':
      return UNDEFINED_TAG;
    case 'bigint':
      return { [TAG]: Kind.Bigint, v: value.toString() };
    default:
      throw new TypeError(`Cannot encode state: a ${typeof value} is not serializable`);
  }
}

function encodeSpecialNumber(value: number): object {
  if (Number.isNaN(value)) return NAN_TAG;
  if (value === Infinity) return INFINITY_TAG;
  if (value === -Infinity) return NEGATIVE_INFINITY_TAG;
  return NEGATIVE_ZERO_TAG;
}

function encodeObject(value: object): unknown {
  if (Array.isArray(value)) return encodeArray(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== objectPrototype && proto !== null) {
    if (value instanceof Map) return encodeMap(value);
    if (value instanceof Set) return { [TAG]: Kind.Set, v: encodeArray(Array.from(value)) };
    if (value instanceof Date) {
      const time = value.getTime();
      return { [TAG]: Kind.Date, v: Number.isNaN(time) ? null : value.toISOString() };
    }
    // Boxed primitives are written as their primitive, as JSON does.
    if (value instanceof Number || value instanceof String || value instanceof Boolean) return encodeValue(value.valueOf());
  }
  const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encodeValue((toJSON as (key: string) => unknown).call(value, ''));
  return encodePlainObject(value as Record<string, unknown>, proto === objectPrototype || proto === null);
}

function encodeArray(array: readonly unknown[]): unknown[] {
  let copy: unknown[] | undefined;
  const length = array.length;
  for (let i = 0; i < length; i++) {
    const item = array[i];
    const encoded = encodeValue(item);
    if (copy !== undefined) copy.push(encoded);
    else if (encoded !== item) {
      copy = array.slice(0, i);
      copy.push(encoded);
    }
  }
  return copy ?? (array as unknown[]);
}

function encodeMap(map: ReadonlyMap<unknown, unknown>): object {
  const entries: Array<[unknown, unknown]> = [];
  for (const [key, value] of map) entries.push([encodeValue(key), encodeValue(value)]);
  return { [TAG]: Kind.Map, v: entries };
}

function encodePlainObject(object: Record<string, unknown>, plain: boolean): unknown {
  let copy: Record<string, unknown> | undefined;
  let escape = false;
  for (const key in object) {
    if (!plain && !Object.hasOwn(object, key)) continue;
    if (key === TAG) escape = true;
    const item = object[key];
    const encoded = encodeValue(item);
    if (copy === undefined && encoded !== item) copy = copyUpTo(object, key, plain);
    if (copy !== undefined) setProperty(copy, key, encoded);
  }
  // Class instances are copied anyway, so that what is written is their own enumerable properties only.
  const result = copy ?? (plain ? object : copyUpTo(object, undefined, plain));
  return escape ? { [TAG]: Kind.Object, v: result } : result;
}

/** A plain copy of the object's own enumerable properties before `stop` (all of them when undefined). */
function copyUpTo(object: Record<string, unknown>, stop: string | undefined, plain: boolean): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key in object) {
    if (key === stop) break;
    if (!plain && !Object.hasOwn(object, key)) continue;
    setProperty(copy, key, object[key]);
  }
  return copy;
}

function setProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  // Assigning `__proto__` would set the prototype instead of adding a property.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

// ---------------------------------------------------------------------------
// Decoding: the parsed JSON is ours, so tags are replaced in place. Only
// objects and arrays can contain tags; primitives come out of JSON.parse as
// they should be.

function decodeValue(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? decodeObject(value) : value;
}

function decodeObject(value: object): unknown {
  if (Array.isArray(value)) {
    decodeArrayInPlace(value);
    return value;
  }
  const object = value as Record<string, unknown>;
  const tag = object[TAG];
  if (tag === undefined) {
    decodePropertiesInPlace(object);
    return object;
  }
  return decodeTag(tag, object);
}

function decodeArrayInPlace(array: unknown[]): void {
  const length = array.length;
  for (let i = 0; i < length; i++) {
    const item = array[i];
    if (typeof item === 'object' && item !== null) {
      const decoded = decodeObject(item);
      if (decoded !== item) array[i] = decoded;
    }
  }
}

function decodePropertiesInPlace(object: Record<string, unknown>): void {
  for (const key in object) {
    const item = object[key];
    if (typeof item === 'object' && item !== null) {
      const decoded = decodeObject(item);
      if (decoded !== item) setProperty(object, key, decoded);
    }
  }
}

function decodeTag(tag: unknown, object: Record<string, unknown>): unknown {
  const payload = object['v'];
  switch (tag) {
    case Kind.Undefined:
      return undefined;
    case Kind.Number:
      switch (payload) {
        case 'NaN':
          return NaN;
        case 'Infinity':
          return Infinity;
        case '-Infinity':
          return -Infinity;
        case '-0':
          return -0;
      }
      break;
    case Kind.Bigint:
      if (typeof payload === 'string') return BigInt(payload);
      break;
    case Kind.Date:
      if (payload === null) return new Date(NaN);
      if (typeof payload === 'string') return new Date(payload);
      break;
    case Kind.Map:
      if (Array.isArray(payload) && payload.every(isPair)) {
        const map = new Map<unknown, unknown>();
        for (const [key, item] of payload) map.set(decodeValue(key), decodeValue(item));
        return map;
      }
      break;
    case Kind.Set:
      if (Array.isArray(payload)) {
        decodeArrayInPlace(payload);
        return new Set(payload);
      }
      break;
    case Kind.Object:
      if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) {
        decodePropertiesInPlace(payload as Record<string, unknown>);
        return payload;
      }
      break;
  }
  throw new TypeError(`Cannot decode state: malformed tag ${JSON.stringify(tag)}`);
}

function isPair(entry: unknown): entry is [unknown, unknown] {
  return Array.isArray(entry) && entry.length === 2;
}

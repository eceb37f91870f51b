import { describe, expect, it } from 'vitest';
import { KeyTimers } from './KeyTimers.js';

describe('KeyTimers', () => {
  it('keeps namespaces deduplicated and in insertion order, also after the first is removed', () => {
    const t = new KeyTimers<string>('a', 'A');
    expect(t.add('a', 'A')).toBe(false);
    expect(t.add('b', 'B')).toBe(true);
    expect(t.add('c', 'C')).toBe(true);
    expect(t.add('b', 'B')).toBe(false);
    expect(t.remove('a')).toBe(true);
    expect(t.remove('a')).toBe(false);
    expect(t.add('a', 'A')).toBe(true);
    expect([...t.namespaces()]).toEqual(['B', 'C', 'A']);
    expect(t.has('c')).toBe(true);
    expect(t.takeFirst()).toBe('B');
    expect(t.takeFirst()).toBe('C');
    expect(t.isEmpty()).toBe(false);
    expect(t.takeFirst()).toBe('A');
    expect(t.isEmpty()).toBe(true);
    expect(t.has('a')).toBe(false);
    expect([...t.namespaces()]).toEqual([]);
  });
});

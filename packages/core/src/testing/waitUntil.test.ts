import { describe, expect, it } from 'vitest';
import { waitUntil } from './waitUntil.js';

describe('waitUntil', () => {
  it('resolves at once when the condition holds, without waiting', async () => {
    let checks = 0;
    await waitUntil(() => ++checks > 0, 0);
    expect(checks).toBe(1);
  });

  it('polls a sync or async condition until it holds', async () => {
    let checks = 0;
    await waitUntil(() => ++checks >= 3, 1_000, { intervalMs: 1 });
    expect(checks).toBe(3);
    checks = 0;
    await waitUntil(async () => ++checks >= 3, 1_000);
    expect(checks).toBe(3);
  });

  it('rejects after the timeout, naming what it waited for', async () => {
    await expect(waitUntil(() => false, 30, 'the moon')).rejects.toThrow('timed out after 30 ms waiting for the moon');
    await expect(waitUntil(() => false, 30, { intervalMs: 5 })).rejects.toThrow('timed out after 30 ms waiting for the condition');
  });

  it('rejects with the error of a condition that throws', async () => {
    await expect(
      waitUntil(() => {
        throw new Error('broken probe');
      }),
    ).rejects.toThrow('broken probe');
  });

  it('checks its arguments', async () => {
    await expect(waitUntil(() => true, -1)).rejects.toThrow(new RangeError('waitUntil: timeoutMs must be a finite number >= 0, got -1'));
    await expect(waitUntil(() => true, 10, { intervalMs: Number.NaN })).rejects.toThrow(new RangeError('waitUntil: intervalMs must be a finite number >= 0, got NaN'));
  });
});

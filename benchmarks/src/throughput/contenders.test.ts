// The throughput workloads' three contenders (engine, idiomatic RxJS,
// hand-written loop) must compute the same output on every workload: the
// benchmark's own agreement check (`measureWorkload`, which throws on a
// mismatch) run on small inputs in every test run, so the benchmark code
// paths cannot rot between benchmark runs. No timing is asserted.
import { describe, expect, it } from 'vitest';
import { measureWorkload, THROUGHPUT_WORKLOADS } from './index.js';

describe('throughput workloads', () => {
  for (const workload of THROUGHPUT_WORKLOADS) {
    it(`${workload.id}: engine, RxJS and hand-written loop agree`, async () => {
      const result = await measureWorkload(workload, Math.min(20_000, Math.round(workload.events.quick / 10)), 1);
      expect(result.outputRecords).toBeGreaterThan(0);
    }, 60_000);
  }
});

import { describe, expect, it } from 'vitest';
import type { CheckpointInfo } from '../checkpoint/CheckpointData.js';
import { operatorMetricsSnapshot } from '../metrics/fixtures.js';
import type { OperatorMetricsSnapshot } from '../metrics/OperatorMetrics.js';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import { StatusReporter } from './progress.js';
import {
  computeStatus,
  formatCount,
  formatProgressLine,
  formatRate,
  formatStatusLine,
  formatSummary,
  operatorRoles,
  sampleJob,
  zeroSample,
  type JobSample,
  type MonitoredJob,
} from './status.js';

function sample(over: Partial<JobSample>): JobSample {
  return { ...zeroSample(0), ...over };
}

function metric(operator: string, over: Partial<OperatorMetricsSnapshot> = {}): OperatorMetricsSnapshot {
  return operatorMetricsSnapshot({ operator, ...over });
}

/** A job whose counters the test sets. */
class FakeJob implements MonitoredJob {
  operators: OperatorMetricsSnapshot[] = [];
  read = 0;
  total: number | undefined;
  bounded = true;
  last: CheckpointInfo | undefined;
  stats = { completed: 0, failed: 0 };
  restartCount = 0;
  metrics() {
    return this.operators;
  }
  progress() {
    return { recordsRead: this.read, bounded: this.bounded, ...(this.total === undefined ? {} : { totalRecords: this.total }) };
  }
  lastCheckpoint() {
    return this.last;
  }
  checkpointStats() {
    return this.stats;
  }
  restarts() {
    return this.restartCount;
  }
}

describe('status formatting', () => {
  it('formats counts and rates', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect(formatRate(0.25)).toBe('0.3 rec/s');
    expect(formatRate(42.04)).toBe('42 rec/s');
    expect(formatRate(12345.6)).toBe('12,346 rec/s');
  });

  it('shows progress with percentage and ETA when the total is known', () => {
    const start = sample({ at: 0 });
    const previous = sample({ at: 8_000, recordsIn: 8_000, totalRecords: 100_000 });
    const current = sample({ at: 10_000, recordsIn: 12_345, totalRecords: 100_000 });
    const status = computeStatus(start, previous, current);
    expect(status.inRate).toBeCloseTo(2172.5);
    expect(status.averageInRate).toBeCloseTo(1234.5);
    expect(status.etaMs).toBeCloseTo((87_655 / 1234.5) * 1000);
    expect(formatProgressLine(status)).toBe('12,345/100,000 records (12.3%) · 2,173 rec/s · ETA 1m11s · elapsed 10s');
  });

  it('shows progress without a total as a count and a rate', () => {
    const status = computeStatus(sample({ at: 0 }), sample({ at: 0 }), sample({ at: 2_000, recordsIn: 500 }));
    expect(status.fraction).toBeUndefined();
    expect(status.etaMs).toBeUndefined();
    expect(formatProgressLine(status)).toBe('500 records · 250 rec/s · elapsed 2.0s');
  });

  it('shows the status of an unbounded job: rates, watermark lag, backpressure, checkpoint age, restarts', () => {
    const checkpoint: CheckpointInfo = { location: '/chk/chk-12', checkpointId: 12, kind: 'checkpoint', timestamp: 56_000 };
    const previous = sample({ at: 50_000, recordsIn: 10_000, recordsOut: 9_000, backpressureMs: 1_000, sourceSubtasks: 2, bounded: false });
    const current = sample({
      at: 60_000,
      recordsIn: 22_040,
      recordsOut: 21_000,
      backpressureMs: 2_200,
      sourceSubtasks: 2,
      bounded: false,
      watermarkLagMs: 2_100,
      lastCheckpoint: checkpoint,
      checkpoints: { completed: 12, failed: 1 },
      restarts: 2,
      deadLetters: 3,
    });
    const status = computeStatus(sample({ at: 0 }), previous, current);
    expect(status.backpressure).toBeCloseTo(0.06);
    expect(status.checkpointAgeMs).toBe(4_000);
    expect(formatStatusLine(status)).toBe(
      'in 1,204 rec/s · out 1,200 rec/s · watermark lag 2.1s · backpressure 6% · checkpoint #12 4.0s ago (12 ok, 1 failed) · restarts 2 · dead letters 3',
    );
  });

  it('says when there is no checkpoint or watermark yet, and summarises the run', () => {
    const status = computeStatus(sample({ at: 0 }), sample({ at: 0 }), sample({ at: 4_000, recordsIn: 1_000, recordsOut: 990, bounded: false }));
    expect(formatStatusLine(status)).toBe('in 250 rec/s · out 248 rec/s · watermark lag n/a · backpressure 0% · no checkpoint yet (0 ok, 0 failed) · restarts 0');
    expect(formatSummary('finished', status)).toBe('finished in 4.0s: 1,000 records in, 990 out (250 rec/s)');
  });
});

describe('sampleJob', () => {
  it('counts records into sinks, backpressure of sources, and the largest watermark lag', () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    env.fromElements(1, 2).map((x) => x).name('Double').sinkTo(() => {}).name('Out');
    const roles = operatorRoles(env.plan());
    expect([...roles.sources]).toEqual(['Elements Source']);
    expect([...roles.sinks]).toEqual(['Out']);
    const job = new FakeJob();
    job.read = 9;
    job.total = 10;
    job.operators = [
      metric('Elements Source', { recordsOut: 9, backpressureMs: 30 }),
      metric('Double', { recordsIn: 9, recordsOut: 9, watermarkLagMs: 100 }),
      metric('Out', { recordsIn: 4, watermarkLagMs: 250, lateRecords: 1 }),
      metric('Out', { subtask: 1, recordsIn: 5 }),
    ];
    expect(sampleJob(job, roles, 1_000)).toMatchObject({
      at: 1_000,
      recordsIn: 9,
      recordsOut: 9,
      totalRecords: 10,
      bounded: true,
      watermarkLagMs: 250,
      backpressureMs: 30,
      sourceSubtasks: 1,
      lateRecords: 1,
    });
  });
});

describe('StatusReporter', () => {
  function collect() {
    const lines: string[] = [];
    return { lines, stream: { isTTY: false, write: (t: string) => lines.push(t) } };
  }

  it('writes plain progress lines for a bounded job when not on a TTY, and a summary at the end', () => {
    const job = new FakeJob();
    job.total = 1_000;
    let now = 0;
    const { lines, stream } = collect();
    const reporter = new StatusReporter({ job, roles: { sources: new Set(), sinks: new Set() }, stream, intervalMs: 0, now: () => now });
    reporter.start();
    now = 1_000;
    job.read = 250;
    reporter.tick();
    now = 2_000;
    job.read = 500;
    reporter.tick();
    reporter.stop('finished');
    expect(lines).toEqual([
      '[progress] 250/1,000 records (25.0%) · 250 rec/s · ETA 3.0s · elapsed 1.0s\n',
      '[progress] 500/1,000 records (50.0%) · 250 rec/s · ETA 2.0s · elapsed 2.0s\n',
      'finished in 2.0s: 500 records in (250 rec/s)\n',
    ]);
  });

  it('writes status lines for an unbounded job', () => {
    const job = new FakeJob();
    job.bounded = false;
    let now = 0;
    const { lines, stream } = collect();
    const reporter = new StatusReporter({ job, roles: { sources: new Set(), sinks: new Set() }, stream, intervalMs: 0, now: () => now });
    reporter.start();
    now = 10_000;
    job.read = 5_000;
    job.last = { location: 'x', checkpointId: 3, kind: 'savepoint', timestamp: 9_000 };
    job.stats = { completed: 3, failed: 0 };
    reporter.tick();
    reporter.stop();
    expect(lines).toEqual(['[status] in 500 rec/s · watermark lag n/a · backpressure 0% · savepoint #3 1.0s ago (3 ok, 0 failed) · restarts 0\n']);
  });

  it('prints lines on its timer', async () => {
    const job = new FakeJob();
    job.bounded = false;
    const { lines, stream } = collect();
    const reporter = new StatusReporter({ job, roles: { sources: new Set(), sinks: new Set() }, stream, intervalMs: 20 });
    reporter.start();
    await new Promise((resolve) => setTimeout(resolve, 90));
    reporter.stop();
    const count = lines.length;
    expect(count).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines.length).toBe(count);
  });

  it('draws a progress bar on a TTY', async () => {
    const job = new FakeJob();
    job.total = 200;
    job.read = 50;
    const written: string[] = [];
    const stream = { isTTY: true, columns: 120, write: (t: string) => written.push(t), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream };
    const reporter = new StatusReporter({ job, roles: { sources: new Set(), sinks: new Set() }, stream, intervalMs: 0 });
    reporter.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    job.read = 200;
    reporter.stop('finished');
    const text = written.join('');
    expect(text).toMatch(/\d+% \| 50\/200 records/);
    expect(text).toContain('200/200 records');
    expect(text).toContain('finished in');
  });
});

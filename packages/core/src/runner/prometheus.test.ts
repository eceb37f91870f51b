import { describe, expect, it } from 'vitest';
import { operatorMetricsSnapshot as snapshot } from '../metrics/fixtures.js';
import { escapeHelp, escapeLabelValue, formatSampleValue, renderPrometheus } from './prometheus.js';

describe('Prometheus rendering', () => {
  it('escapes label values and help text', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('line\\one\ntwo "quoted"')).toBe('line\\\\one\\ntwo "quoted"');
    expect(formatSampleValue(Number.NaN)).toBe('NaN');
    expect(formatSampleValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatSampleValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatSampleValue(12.5)).toBe('12.5');
  });

  it('renders HELP and TYPE lines and one series per operator subtask', () => {
    const text = renderPrometheus({
      job: 'clicks "prod"',
      operators: [
        snapshot({ operator: 'Source', uid: 'src', subtask: 0, recordsOut: 10, backpressureMs: 250 }),
        snapshot({ operator: 'Parse\\Map', subtask: 1, recordsIn: 7, recordsOut: 6, deadLetters: 1, watermarkLagMs: 1500, lateRecords: 2 }),
        snapshot({ operator: 'Sink: Kinesis', subtask: 0, recordsIn: 6, retriedRecords: 4 }),
      ],
      checkpoints: { completed: 3, failed: 1, lastDurationMs: 42 },
      restarts: 2,
    });
    const lines = text.split('\n');
    expect(text.endsWith('\n')).toBe(true);
    const families = [
      ['tributary_records_in_total', 'counter'],
      ['tributary_records_out_total', 'counter'],
      ['tributary_dead_letters_total', 'counter'],
      ['tributary_late_records_total', 'counter'],
      ['tributary_sink_retried_records_total', 'counter'],
      ['tributary_watermark_lag_ms', 'gauge'],
      ['tributary_backpressure_ms_total', 'counter'],
      ['tributary_checkpoints_completed_total', 'counter'],
      ['tributary_checkpoints_failed_total', 'counter'],
      ['tributary_last_checkpoint_duration_ms', 'gauge'],
      ['tributary_restarts_total', 'counter'],
    ];
    for (const [name, type] of families) {
      expect(lines, name).toContain(`# TYPE ${name} ${type}`);
      expect(lines.some((l) => l.startsWith(`# HELP ${name} `))).toBe(true);
    }
    expect(lines).toContain('tributary_records_in_total{job="clicks \\"prod\\"",operator="Source",subtask="0",uid="src"} 0');
    expect(lines).toContain('tributary_records_in_total{job="clicks \\"prod\\"",operator="Parse\\\\Map",subtask="1"} 7');
    expect(lines).toContain('tributary_records_out_total{job="clicks \\"prod\\"",operator="Source",subtask="0",uid="src"} 10');
    expect(lines).toContain('tributary_dead_letters_total{job="clicks \\"prod\\"",operator="Parse\\\\Map",subtask="1"} 1');
    expect(lines).toContain('tributary_late_records_total{job="clicks \\"prod\\"",operator="Parse\\\\Map",subtask="1"} 2');
    expect(lines).toContain('tributary_backpressure_ms_total{job="clicks \\"prod\\"",operator="Source",subtask="0",uid="src"} 250');
    // Only sinks whose writer counts retries have the series.
    expect(lines.filter((l) => l.startsWith('tributary_sink_retried_records_total{'))).toEqual([
      'tributary_sink_retried_records_total{job="clicks \\"prod\\"",operator="Sink: Kinesis",subtask="0"} 4',
    ]);
    // The lag is only known for the operator that has seen a watermark.
    expect(lines.filter((l) => l.startsWith('tributary_watermark_lag_ms{'))).toEqual([
      'tributary_watermark_lag_ms{job="clicks \\"prod\\"",operator="Parse\\\\Map",subtask="1"} 1500',
    ]);
    expect(lines).toContain('tributary_checkpoints_completed_total{job="clicks \\"prod\\""} 3');
    expect(lines).toContain('tributary_checkpoints_failed_total{job="clicks \\"prod\\""} 1');
    expect(lines).toContain('tributary_last_checkpoint_duration_ms{job="clicks \\"prod\\""} 42');
    expect(lines).toContain('tributary_restarts_total{job="clicks \\"prod\\""} 2');
    // Every sample line is `name{labels} value` or `name value`.
    for (const line of lines.filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+(\{[^\n]*\})? (-?\d+(\.\d+)?|NaN|[+-]Inf)$/);
    }
  });

  it('keeps series unique when operators share a name', () => {
    const text = renderPrometheus({
      job: 'j',
      operators: [snapshot({ operator: 'Map', recordsIn: 1 }), snapshot({ operator: 'Map', recordsIn: 2 })],
      checkpoints: { completed: 0, failed: 0 },
      restarts: 0,
    });
    expect(text).toContain('tributary_records_in_total{job="j",operator="Map",subtask="0"} 1');
    expect(text).toContain('tributary_records_in_total{job="j",operator="Map #2",subtask="0"} 2');
    expect(text).not.toContain('tributary_last_checkpoint_duration_ms{');
  });
});

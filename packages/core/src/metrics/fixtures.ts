/**
 * Test fixtures for metrics (used by the runner's tests, not exported from
 * the package index): operator metrics snapshots with zero defaults.
 */
import type { OperatorMetricsSnapshot } from './OperatorMetrics.js';

/** A snapshot of an operator ('Map' unless given) that has seen nothing yet, with the fields in `over` set. */
export function operatorMetricsSnapshot(over: Partial<OperatorMetricsSnapshot> = {}): OperatorMetricsSnapshot {
  return {
    operator: 'Map',
    uid: undefined,
    subtask: 0,
    recordsIn: 0,
    recordsOut: 0,
    deadLetters: 0,
    lateRecords: 0,
    retriedRecords: undefined,
    watermark: Number.NEGATIVE_INFINITY,
    watermarkLagMs: undefined,
    backpressureMs: 0,
    recordsInPerSecond: 0,
    latencyMs: { count: 0, p50: 0, p99: 0, max: 0 },
    ...over,
  };
}

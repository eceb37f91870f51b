/**
 * Renders a job's metrics in the Prometheus text exposition format
 * (version 0.0.4): a `# HELP` and `# TYPE` line per metric family, then one
 * sample per series. Per-operator series carry `job`, `operator` and
 * `subtask` labels (and `uid` when the operator has one); label values are
 * escaped as the format requires.
 *
 * ```text
 * # HELP tributary_records_in_total Records received by an operator subtask.
 * # TYPE tributary_records_in_total counter
 * tributary_records_in_total{job="clicks",operator="Parse",subtask="0"} 1042
 * ```
 */
import type { OperatorMetricsSnapshot } from '../metrics/OperatorMetrics.js';
import type { PipelineGauge } from './pipelineServices.js';

/** The content type of the rendering. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** What one scrape renders. */
export interface PrometheusInput {
  readonly job: string;
  readonly operators: readonly OperatorMetricsSnapshot[];
  readonly checkpoints: { readonly completed: number; readonly failed: number; readonly lastDurationMs?: number | undefined };
  readonly restarts: number;
  /** The pipeline's own gauges (what its `build` returned), one family per name. */
  readonly gauges?: readonly PipelineGauge[];
}

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly samples: readonly { readonly labels: Labels; readonly value: number }[];
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

/** A sample value: integers as they are, `NaN`, `+Inf`, `-Inf`. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function renderLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function renderFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const s of family.samples) lines.push(`${family.name}${renderLabels(s.labels)} ${formatSampleValue(s.value)}`);
  return lines.join('\n');
}

/**
 * Labels per operator snapshot. Operators without a uid may share a name;
 * repeats get a `#2`, `#3` suffix so that every series stays unique.
 */
function operatorLabels(job: string, operators: readonly OperatorMetricsSnapshot[]): Labels[] {
  const occurrence = new Map<string, number>();
  return operators.map((m) => {
    const id = `${m.operator}\u0000${m.uid ?? ''}\u0000${m.subtask}`;
    const n = (occurrence.get(id) ?? 0) + 1;
    occurrence.set(id, n);
    const name = n === 1 ? m.operator : `${m.operator} #${n}`;
    return { job, operator: name, subtask: String(m.subtask), ...(m.uid === undefined ? {} : { uid: m.uid }) };
  });
}

/** Renders the exposition text for one job. */
export function renderPrometheus(input: PrometheusInput): string {
  const labels = operatorLabels(input.job, input.operators);
  const perOperator = (pick: (m: OperatorMetricsSnapshot) => number | undefined) =>
    input.operators.flatMap((m, i) => {
      const value = pick(m);
      return value === undefined ? [] : [{ labels: labels[i] ?? {}, value }];
    });
  const job = { job: input.job };
  const families: Family[] = [
    { name: 'tributary_records_in_total', type: 'counter', help: 'Records received by an operator subtask.', samples: perOperator((m) => m.recordsIn) },
    { name: 'tributary_records_out_total', type: 'counter', help: 'Records emitted by an operator subtask.', samples: perOperator((m) => m.recordsOut) },
    {
      name: 'tributary_dead_letters_total',
      type: 'counter',
      help: 'Records routed to the dead-letter output because a user function threw.',
      samples: perOperator((m) => m.deadLetters),
    },
    {
      name: 'tributary_late_records_total',
      type: 'counter',
      help: 'Records dropped for lateness or sent to a late-data side output.',
      samples: perOperator((m) => m.lateRecords),
    },
    {
      name: 'tributary_sink_retried_records_total',
      type: 'counter',
      help: 'Records a sink sent again after a failed, throttled or timed-out attempt.',
      samples: perOperator((m) => m.retriedRecords),
    },
    {
      name: 'tributary_watermark_lag_ms',
      type: 'gauge',
      help: 'Processing time minus the operator subtask input watermark, in milliseconds.',
      samples: perOperator((m) => m.watermarkLagMs),
    },
    {
      name: 'tributary_backpressure_ms_total',
      type: 'counter',
      help: 'Milliseconds a source subtask was paused by backpressure.',
      samples: perOperator((m) => m.backpressureMs),
    },
    { name: 'tributary_checkpoints_completed_total', type: 'counter', help: 'Checkpoints completed.', samples: [{ labels: job, value: input.checkpoints.completed }] },
    { name: 'tributary_checkpoints_failed_total', type: 'counter', help: 'Checkpoints that failed or were abandoned.', samples: [{ labels: job, value: input.checkpoints.failed }] },
    {
      name: 'tributary_last_checkpoint_duration_ms',
      type: 'gauge',
      help: 'Duration of the last completed checkpoint, in milliseconds.',
      samples: input.checkpoints.lastDurationMs === undefined ? [] : [{ labels: job, value: input.checkpoints.lastDurationMs }],
    },
    { name: 'tributary_restarts_total', type: 'counter', help: 'Times the job restarted after a failure.', samples: [{ labels: job, value: input.restarts }] },
    ...gaugeFamilies(input.job, input.gauges ?? []),
  ];
  return `${families.map(renderFamily).join('\n')}\n`;
}

/**
 * The pipeline's gauges as families: gauges sharing a name form one family
 * (the first one's help); a gauge whose value is `undefined` (no data yet)
 * or whose `value()` throws is left out of this scrape.
 */
function gaugeFamilies(job: string, gauges: readonly PipelineGauge[]): Family[] {
  const families = new Map<string, { help: string; samples: { labels: Labels; value: number }[] }>();
  for (const gauge of gauges) {
    let family = families.get(gauge.name);
    if (family === undefined) {
      family = { help: gauge.help, samples: [] };
      families.set(gauge.name, family);
    }
    let value: number | undefined;
    try {
      value = gauge.value();
    } catch {
      value = undefined;
    }
    if (typeof value === 'number') family.samples.push({ labels: { job, ...gauge.labels }, value });
  }
  return [...families].map(([name, f]) => ({ name, type: 'gauge' as const, help: f.help, samples: f.samples }));
}

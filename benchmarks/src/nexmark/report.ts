/** README rows for `results/nexmark.json`: events/s per core per query next to Flink 1.13's published per-core figure. */
type Result = Record<string, any>;

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function renderNexmark(r: Result): string[] {
  return Object.entries(r.queries as Record<string, Result>).map(([id, q], i) => {
    const target = q.targeted ? `; target ≥ Flink: ${q.targetMet ? 'met' : 'not met'}` : '';
    const label = i === 0 ? `Nexmark (${fmt(r.parameters.events)} events, 1 core; Flink measured on other hardware)` : '';
    return `| ${label} | ${id} | ${fmt(q.medianEventsPerSecondPerCore)} events/s/core | Flink 1.13: ${fmt(q.flink113PerCore)}/s/core (×${q.ratioToFlink.toFixed(1)})${target} |`;
  });
}

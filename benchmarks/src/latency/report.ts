// The latency benchmark's rows in the README's figures table (report.ts
// calls this for results/latency.json).
type Result = Record<string, any>;

const ms = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 0 : 1));

/** DESIGN.md's p99 target for a run: ≤ 50 ms in-memory and ≤ 300 ms through Kinesis up to 10,000 sessions; < 1 s at 50,000. */
function targetOf(path: string, sessions: number): number | undefined {
  if (sessions <= 10_000) return path === 'memory' ? 50 : 300;
  return sessions >= 50_000 ? 1_000 : undefined;
}

/** One run's row: sessions and rate, the percentiles, the target and the counts. */
function runRow(title: string, x: Result, target: number | undefined): string {
  const e = x.emitted;
  const processes = (x.pipelines ?? 1) > 1 ? ` over ${x.pipelines} pipeline processes` : '';
  const verdict = target === undefined ? '' : `target p99 ≤ ${target.toLocaleString('en-US')} ms: ${e.p99 <= target ? 'met' : 'not met'}; `;
  return (
    `|${title === '' ? ' ' : ` ${title} `}| ${x.sessions.toLocaleString('en-US')} sessions${processes}, ${x.sustainedEventsPerSecond.toLocaleString('en-US')} ev/s | p50 / p90 / p99 / p99.9 / max ${ms(e.p50)} / ${ms(e.p90)} / ${ms(e.p99)} / ${ms(e.p999)} / ${ms(e.max)} ms | ` +
    `${verdict}dropped ${x.dropped}; fallbacks ${x.fallbacksInWindow}; pipeline ${x.pipeline.cpuMicrosPerEvent ?? '?'} µs CPU/event; load ${x.loadAverage.after[0]} |`
  );
}

export function renderLatency(r: Result): string[] {
  const rows: string[] = [];
  const runs = r.runs as Result[];
  for (const path of ['memory', 'kinesis'] as const) {
    const mine = runs.filter((x) => x.path === path);
    mine.forEach((x, i) => {
      const kinesis = r.parameters?.kinesisAggregation === true ? 'through the local Kinesis (events KPL-aggregated per shard)' : 'through the local Kinesis';
      const title = i === 0 ? `recommendation latency, ${path === 'memory' ? 'in-memory (loopback TCP)' : kinesis}, event created → emitted` : '';
      rows.push(runRow(title, x, targetOf(path, x.sessions)));
    });
  }
  const scaleOut = r.scaleOut as Result | null | undefined;
  if (scaleOut !== null && scaleOut !== undefined) {
    rows.push(runRow('recommendation latency, in-memory, scaled out (one pipeline process per core)', scaleOut, targetOf('memory', scaleOut.sessions)));
  }
  const probe = r.kinesisProbe;
  if (probe !== null && probe !== undefined) {
    rows.push(
      `| local Kinesis (kinesalite) capacity, bare SDK put/get loop | ${probe.targetRate.toLocaleString('en-US')} events/s offered${r.parameters?.kinesisAggregation === true ? ', aggregated as the generator sends them' : ''} | ${probe.ackedPerSecondDuringRun.toLocaleString('en-US')} events/s acked; put → get p99 ${ms(probe.putToGet.p99)} ms | ${r.kinesisCarriesGateRate ? 'carries the rate: Kinesis path gated' : 'cannot carry the rate here: gate on the in-memory path'} |`,
    );
  }
  rows.push(`| latency gate: ${r.gate.requirement} | ${r.gate.paths.join(', ')} | ${r.gate.passed ? 'passed' : 'FAILED'} | ${(r.gate.failures as string[]).join('; ')} |`);
  return rows;
}

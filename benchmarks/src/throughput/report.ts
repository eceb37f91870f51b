/** README rows for `results/throughput.json`: per workload, each contender's events/s and Tributary's ratios. */
type Result = Record<string, any>;

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function renderThroughput(r: Result): string[] {
  const rows: string[] = [];
  for (const w of Object.values(r.workloads as Record<string, Result>)) {
    const ratios = `×${w.tributaryVsRxjs.toFixed(1)} RxJS, ×${w.tributaryVsHandWritten.toFixed(2)} hand-written`;
    const target = w.targeted ? `; target ≥ 5× RxJS and ≥ 0.5× hand-written: ${w.targetMet ? 'met' : 'not met'}` : '';
    rows.push(
      `| throughput: ${w.description} (${fmt(w.events)} events) | Tributary | ${fmt(w.tributary.medianEventsPerSecond)} events/s | ${ratios}${target} |`,
      `| | RxJS 7, idiomatic | ${fmt(w.rxjs.medianEventsPerSecond)} events/s | |`,
      `| | hand-written loop | ${fmt(w.handWritten.medianEventsPerSecond)} events/s | same output (${w.outputRecords.toLocaleString('en-US')} records, checksum ${String(w.outputChecksum).split(':')[1]}) |`,
    );
  }
  return rows;
}

/** README rows for `results/training-set.json`: the builder against the hand-written scripts. */
type Result = Record<string, any>;

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function renderTrainingSet(r: Result): string[] {
  const time = `${r.builder.medianSeconds.toFixed(1)} s; 1M ratings ${r.secondsFor1MExtrapolated ? '≈ ' : ''}${r.secondsFor1M.toFixed(1)} s${r.secondsFor1MExtrapolated ? ' (extrapolated)' : ''}, target < 30 s: ${r.targetTimeMet ? 'met' : 'not met'}`;
  return [
    `| training-set builder (${fmt(r.parameters.ratings)} ratings, MariaDB → Snappy Parquet on local S3) | buildTrainingSet | ${fmt(r.builder.medianRowsPerSecond)} rows/s | ${time} |`,
    `| | hand-written mysql2 → parquetjs-lite | ${fmt(r.scriptParquetJs.medianRowsPerSecond)} rows/s | builder ×${r.ratioParquetJs.toFixed(2)} |`,
    `| | hand-written mysql2 → same Parquet encoder | ${fmt(r.scriptSameEncoder.medianRowsPerSecond)} rows/s | builder ×${r.ratioSameEncoder.toFixed(2)}; target ≥ 0.8 against both: ${r.targetRatioMet ? 'met' : 'not met'} |`,
  ];
}

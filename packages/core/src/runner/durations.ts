/**
 * Durations on the command line: `500ms`, `10s`, `1.5m`, `1h`, `1d` to
 * milliseconds, and milliseconds back to short human text for status lines.
 *
 * ```ts
 * parseDuration('10s'); // 10_000
 * formatDuration(95_000); // '1m35s'
 * ```
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a duration such as `500ms`, `10s`, `5m`, `1h` or `1d` (a
 * non-negative number, decimals allowed, then a unit) to whole milliseconds.
 * A unit is required: `10` alone is ambiguous and rejected.
 *
 * @throws RangeError naming the bad value and the accepted form.
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new RangeError(`invalid duration '${text}': expected a number followed by ms, s, m, h or d (e.g. 500ms, 10s, 5m, 1h, 1d)`);
  }
  const value = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isFinite(value)) throw new RangeError(`invalid duration '${text}': too large`);
  return Math.round(value);
}

/**
 * Short human text for a duration in ms: `850ms`, `4.2s`, `1m35s`, `2h05m`,
 * `3d04h`. Negative values count as 0.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  const t = Math.max(0, ms);
  if (t < 1_000) return `${Math.round(t)}ms`;
  if (t < 10_000) return `${(Math.floor(t / 100) / 10).toFixed(1)}s`;
  const seconds = Math.floor(t / 1_000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${pad(seconds % 60)}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${pad(minutes % 60)}m`;
  return `${Math.floor(hours / 24)}d${pad(hours % 24)}h`;
}

function pad(n: number): string {
  return n.toString().padStart(2, '0');
}

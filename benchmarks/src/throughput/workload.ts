/**
 * What one throughput workload is: a deterministic input of `events` events
 * and three implementations computing the same output — the engine, the
 * idiomatic RxJS 7 pipeline and a hand-written single loop — each returning
 * the checksum of what it emitted.
 */

/** One contender's run: consumes the whole input, resolves to the output's checksum. */
export type ContenderRun = (events: number) => Promise<string> | string;

export interface Workload {
  /** Short id used in result files and the README (`tumbling`, `sliding`…). */
  readonly id: string;
  /** One line for the README. */
  readonly description: string;
  /** Events per run (full / quick). */
  readonly events: { readonly full: number; readonly quick: number };
  /** Whether the DESIGN.md target (≥ 0.5× hand-written, ≥ 5× RxJS) applies to this workload. */
  readonly targeted: boolean;
  readonly tributary: ContenderRun;
  readonly rxjs: ContenderRun;
  readonly handWritten: ContenderRun;
}

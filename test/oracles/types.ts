// Shared input and output types for the naive Flink-semantics oracles in
// test/oracles. These types are deliberately independent of the engine
// (packages/core): the oracles are reference implementations that property
// tests compare the engine against, so they must not share any code with it.

/** A keyed data record with an event timestamp. */
export interface DataRecord {
  readonly key: string;
  readonly value: number;
  readonly ts: number;
}

/** A record step of a single-source script. */
export interface RecordStep {
  readonly kind: 'record';
  readonly key: string;
  readonly value: number;
  readonly ts: number;
}

/**
 * A watermark step. Watermarks only advance: a step that is not strictly
 * greater than the current watermark is ignored.
 */
export interface WatermarkStep {
  readonly kind: 'watermark';
  readonly wm: number;
}

export type Step = RecordStep | WatermarkStep;

/**
 * A script is processed in order by one source. At the end of the (bounded)
 * input the watermark becomes +Infinity, so everything pending fires.
 */
export type Script = readonly Step[];

/** A window [start, end); its maxTimestamp is end - 1. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Strips a record step (or any record-like object) down to `{ key, value, ts }`. */
export function toRecord(r: DataRecord): DataRecord {
  return { key: r.key, value: r.value, ts: r.ts };
}

/** The record steps of a script, in order, as plain records. */
export function scriptRecords(script: Script): DataRecord[] {
  const out: DataRecord[] = [];
  for (const step of script) {
    if (step.kind === 'record') out.push(toRecord(step));
  }
  return out;
}

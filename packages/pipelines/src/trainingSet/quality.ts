/**
 * The training set's quality rules and the operator that applies them: each
 * joined rating becomes a valid TrainingRow (main output) or a quarantined
 * row with every reason it failed (side output), and the operator keeps the
 * counts — in, valid, rejected by reason, the high-water mark — in its
 * checkpointed state and emits them once at the end of input.
 */
import { NO_TIMESTAMP, OutputTag, type OperatorContext, type StreamOperator } from '@tributary/core';
import type { TrainingRow } from '../retail/rows.js';

/** A rating as read from the source (values normalised to numbers and strings). */
export interface SourceRating {
  readonly customerNumber: number;
  readonly productCode: string;
  readonly productRating: number | null;
  /** The incremental tracking value (an increasing integer key), when one is configured. */
  readonly mark?: number;
}

/** The customer columns the training set uses. */
export interface SourceCustomer {
  readonly customerNumber: number;
  readonly city: string | null;
  readonly state: string | null;
  readonly postalCode: string | null;
  readonly country: string | null;
  readonly creditLimit: number | null;
}

/** The product columns the training set uses. */
export interface SourceProduct {
  readonly productCode: string;
  readonly productLine: string | null;
  readonly productScale: string | null;
  readonly quantityInStock: number | null;
  readonly buyPrice: number | null;
  readonly MSRP: number | null;
}

/** A rating with its customer and product (null when the key has no match: a dangling key). */
export interface JoinedRating {
  readonly rating: SourceRating;
  readonly customer: SourceCustomer | null;
  readonly product: SourceProduct | null;
}

/** Why a row was rejected. */
export type RejectionReason =
  | 'customer_missing'
  | 'product_missing'
  | 'rating_out_of_range'
  | 'buy_price_not_positive'
  | 'msrp_not_positive'
  | 'credit_limit_null'
  | 'credit_limit_negative'
  | 'city_empty'
  | 'country_empty'
  | 'product_line_empty'
  | 'product_scale_empty'
  | 'quantity_in_stock_invalid';

/** Every reason, in the order they are checked (and listed). */
export const REJECTION_REASONS: readonly RejectionReason[] = [
  'customer_missing',
  'product_missing',
  'rating_out_of_range',
  'buy_price_not_positive',
  'msrp_not_positive',
  'credit_limit_null',
  'credit_limit_negative',
  'city_empty',
  'country_empty',
  'product_line_empty',
  'product_scale_empty',
  'quantity_in_stock_invalid',
];

/** A training row as far as it could be built: columns of a missing customer or product are null. */
export type PartialTrainingRow = { readonly [K in keyof TrainingRow]: TrainingRow[K] | null };

/** What the quarantine holds, one JSON line per rejected rating. */
export interface QuarantinedRow {
  readonly row: PartialTrainingRow;
  /** Every rule the row broke, in {@link REJECTION_REASONS} order. */
  readonly reasons: readonly RejectionReason[];
  /** One human-readable line per reason, with the offending value. */
  readonly details: readonly string[];
}

/** The outcome of checking one joined rating. */
export type CheckResult = { readonly ok: true; readonly row: TrainingRow } | { readonly ok: false; readonly rejected: QuarantinedRow };

const blank = (s: string | null): boolean => s === null || s.trim() === '';

/**
 * Applies the quality rules: rating an integer 1–5; buyPrice and MSRP > 0;
 * creditLimit not null and >= 0; city, country, productLine, productScale
 * non-empty; quantityInStock an integer; the customer and the product exist.
 *
 * ```ts
 * checkJoinedRating({ rating: { customerNumber: 1, productCode: 'S1', productRating: 6 }, customer, product });
 * // { ok: false, rejected: { row: {…}, reasons: ['rating_out_of_range'], details: ['productRating must be an integer 1–5, got 6'] } }
 * ```
 */
export function checkJoinedRating(joined: JoinedRating): CheckResult {
  const { rating, customer: c, product: p } = joined;
  const reasons: RejectionReason[] = [];
  const details: string[] = [];
  const fail = (reason: RejectionReason, detail: string): void => {
    reasons.push(reason);
    details.push(detail);
  };
  if (c === null) fail('customer_missing', `customer ${rating.customerNumber} does not exist`);
  if (p === null) fail('product_missing', `product ${JSON.stringify(rating.productCode)} does not exist`);
  const r = rating.productRating;
  if (r === null || !Number.isInteger(r) || r < 1 || r > 5) fail('rating_out_of_range', `productRating must be an integer 1–5, got ${String(r)}`);
  if (p !== null) {
    if (p.buyPrice === null || !(p.buyPrice > 0)) fail('buy_price_not_positive', `buyPrice must be > 0, got ${String(p.buyPrice)}`);
    if (p.MSRP === null || !(p.MSRP > 0)) fail('msrp_not_positive', `MSRP must be > 0, got ${String(p.MSRP)}`);
  }
  if (c !== null) {
    if (c.creditLimit === null) fail('credit_limit_null', 'creditLimit must not be null');
    else if (!(c.creditLimit >= 0)) fail('credit_limit_negative', `creditLimit must be >= 0, got ${c.creditLimit}`);
    if (blank(c.city)) fail('city_empty', 'city must not be empty');
    if (blank(c.country)) fail('country_empty', 'country must not be empty');
  }
  if (p !== null) {
    if (blank(p.productLine)) fail('product_line_empty', 'productLine must not be empty');
    if (blank(p.productScale)) fail('product_scale_empty', 'productScale must not be empty');
    if (p.quantityInStock === null || !Number.isInteger(p.quantityInStock)) fail('quantity_in_stock_invalid', `quantityInStock must be an integer, got ${String(p.quantityInStock)}`);
  }
  const row: PartialTrainingRow = {
    customerNumber: rating.customerNumber,
    city: c?.city ?? null,
    state: c?.state ?? null,
    postalCode: c?.postalCode ?? null,
    country: c?.country ?? null,
    creditLimit: c?.creditLimit ?? null,
    productCode: rating.productCode,
    productLine: p?.productLine ?? null,
    productScale: p?.productScale ?? null,
    quantityInStock: p?.quantityInStock ?? null,
    buyPrice: p?.buyPrice ?? null,
    MSRP: p?.MSRP ?? null,
    productRating: r,
  };
  if (reasons.length > 0) return { ok: false, rejected: { row, reasons, details } };
  return { ok: true, row: row as TrainingRow };
}

/** Row counts of a run (or of one subtask, merged at the end). */
export interface QualityCounts {
  /** Ratings read (joined, checked): `valid + rejected`. */
  in: number;
  valid: number;
  /** Rows rejected (a row with several reasons counts once here). */
  rejected: number;
  /** Rejected rows per reason (a row with several reasons counts under each). */
  rejectedByReason: Partial<Record<RejectionReason, number>>;
  /** The largest tracking value seen (incremental runs), or null. */
  highWaterMark: number | null;
}

/** Fresh zero counts. */
export function emptyCounts(): QualityCounts {
  return { in: 0, valid: 0, rejected: 0, rejectedByReason: {}, highWaterMark: null };
}

/** Adds `b` into `a` (returns `a`). */
export function mergeCounts(a: QualityCounts, b: QualityCounts): QualityCounts {
  a.in += b.in;
  a.valid += b.valid;
  a.rejected += b.rejected;
  for (const [reason, n] of Object.entries(b.rejectedByReason) as Array<[RejectionReason, number]>) {
    a.rejectedByReason[reason] = (a.rejectedByReason[reason] ?? 0) + n;
  }
  if (b.highWaterMark !== null) a.highWaterMark = a.highWaterMark === null ? b.highWaterMark : Math.max(a.highWaterMark, b.highWaterMark);
  return a;
}

/** The side output of rejected rows. */
export const QUARANTINE_TAG = new OutputTag<QuarantinedRow>('training-set-quarantine');
/** The side output of each subtask's counts, emitted once at the end of input. */
export const COUNTS_TAG = new OutputTag<QualityCounts>('training-set-counts');

/**
 * The operator behind the quality step: valid rows to the main output,
 * rejected ones to {@link QUARANTINE_TAG}, counts (checkpointed) to
 * {@link COUNTS_TAG} when the input ends.
 */
export class QualityCheckOperator implements StreamOperator<TrainingRow> {
  private ctx!: OperatorContext<TrainingRow>;
  private counts = emptyCounts();

  initializeState(state: unknown): void {
    mergeCounts(this.counts, state as QualityCounts);
  }

  open(ctx: OperatorContext<TrainingRow>): void {
    this.ctx = ctx;
  }

  processElement(value: unknown, timestamp: number): void {
    const joined = value as JoinedRating;
    const counts = this.counts;
    counts.in++;
    const mark = joined.rating.mark;
    if (mark !== undefined) counts.highWaterMark = counts.highWaterMark === null ? mark : Math.max(counts.highWaterMark, mark);
    const result = checkJoinedRating(joined);
    if (result.ok) {
      counts.valid++;
      this.ctx.output.collect(result.row, timestamp);
      return;
    }
    counts.rejected++;
    for (const reason of result.rejected.reasons) counts.rejectedByReason[reason] = (counts.rejectedByReason[reason] ?? 0) + 1;
    this.ctx.output.collectSide(QUARANTINE_TAG, result.rejected, timestamp);
  }

  snapshotState(): QualityCounts {
    return structuredClone(this.counts);
  }

  finish(): void {
    this.ctx.output.collectSide(COUNTS_TAG, structuredClone(this.counts), NO_TIMESTAMP);
  }
}

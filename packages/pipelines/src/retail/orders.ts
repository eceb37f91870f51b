/**
 * Order lines as the data system reads them (the sales dashboard, the
 * recommender's popular products): from the Kinesis order
 * stream (JSON text, the platform's `OrderEvent`) or from the read
 * replica's orders ⋈ orderdetails ⋈ customers (camelCase rows). Both are
 * checked field by field into one validated `OrderEvent`; a bad one throws
 * an {@link InvalidOrderError} whose `code` says why, so that the operator's
 * dead letters (`stream.deadLetters()`) carry the reason and the quarantine
 * can count by it.
 */
import { TributaryError } from '@tributary/core';
import type { OrderEvent } from './events.js';

/** Why an order event was quarantined. */
export type QuarantineReasonCode = 'malformed-json' | 'invalid-field' | 'negative-quantity' | 'unknown-product';

/** Every {@link QuarantineReasonCode}, for counting and display. */
export const QUARANTINE_REASON_CODES: readonly QuarantineReasonCode[] = ['malformed-json', 'invalid-field', 'negative-quantity', 'unknown-product'];

/** An order event the dashboard cannot use; `code` classifies it, the message names the field. */
export class InvalidOrderError extends TributaryError {
  declare readonly code: QuarantineReasonCode;

  constructor(code: QuarantineReasonCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'InvalidOrderError';
  }
}

/** The key of an order line: the same line seen twice is a duplicate. */
export function orderLineKey(order: Pick<OrderEvent, 'order_number' | 'product_code'>): string {
  return `${order.order_number}|${order.product_code}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  // Drivers return DECIMAL (and pg BIGINT) as text.
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function toTime(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'string' && !/^-?\d+(\.\d+)?$/.test(value.trim())) {
    // A TIMESTAMP column without a zone holds UTC here (the generator and the simulator write UTC).
    const text = value.includes('T') || / \d{2}:/.test(value) ? value.replace(' ', 'T') : value;
    const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return toNumber(value);
}

/**
 * Checks a raw order event (an object, or its JSON text) and returns it
 * typed; `price_each` is rounded to cents.
 *
 * ```ts
 * validateOrderEvent('{"order_number":1,"customer_number":7,"product_code":"S10_1678","quantity_ordered":2,"price_each":95.7,"country":"France","order_time":1764000000000}');
 * validateOrderEvent({ ...order, quantity_ordered: -1 }); // throws InvalidOrderError('negative-quantity', …)
 * ```
 * @throws InvalidOrderError naming the first bad field.
 */
export function validateOrderEvent(raw: unknown): OrderEvent {
  let value = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      throw new InvalidOrderError('malformed-json', `order event is not JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  if (!isObject(value)) throw new InvalidOrderError('malformed-json', 'order event is not a JSON object');
  const orderNumber = toNumber(value['order_number']);
  if (orderNumber === undefined || !Number.isSafeInteger(orderNumber) || orderNumber <= 0) {
    throw new InvalidOrderError('invalid-field', `order_number: must be a positive integer, got ${JSON.stringify(value['order_number'])}`);
  }
  const customerNumber = toNumber(value['customer_number']);
  if (customerNumber === undefined || !Number.isSafeInteger(customerNumber) || customerNumber <= 0) {
    throw new InvalidOrderError('invalid-field', `customer_number: must be a positive integer, got ${JSON.stringify(value['customer_number'])}`);
  }
  const productCode = value['product_code'];
  if (typeof productCode !== 'string' || productCode.trim() === '') throw new InvalidOrderError('invalid-field', 'product_code: must be a non-empty string');
  const quantity = toNumber(value['quantity_ordered']);
  if (quantity === undefined || !Number.isSafeInteger(quantity)) {
    throw new InvalidOrderError('invalid-field', `quantity_ordered: must be an integer, got ${JSON.stringify(value['quantity_ordered'])}`);
  }
  if (quantity <= 0) throw new InvalidOrderError('negative-quantity', `quantity_ordered: must be > 0, got ${quantity}`);
  const price = toNumber(value['price_each']);
  if (price === undefined || !Number.isFinite(price) || price < 0) {
    throw new InvalidOrderError('invalid-field', `price_each: must be a number >= 0, got ${JSON.stringify(value['price_each'])}`);
  }
  const country = value['country'];
  if (typeof country !== 'string' || country.trim() === '') throw new InvalidOrderError('invalid-field', 'country: must be a non-empty string');
  const orderTime = toTime(value['order_time']);
  if (orderTime === undefined || !Number.isFinite(orderTime)) {
    throw new InvalidOrderError('invalid-field', `order_time: must be a time (ms since the epoch or ISO 8601), got ${JSON.stringify(value['order_time'])}`);
  }
  return {
    order_number: orderNumber,
    customer_number: customerNumber,
    product_code: productCode,
    quantity_ordered: quantity,
    price_each: Math.round(price * 100) / 100,
    country,
    order_time: orderTime,
  };
}

/**
 * Renames a row of the read replica's orders ⋈ orderdetails ⋈ customers
 * (classicmodels column names) into the `OrderEvent` fields, unchecked:
 * {@link validateOrderEvent} checks it next.
 */
export function orderEventFromRow(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    order_number: row['orderNumber'],
    customer_number: row['customerNumber'],
    product_code: row['productCode'],
    quantity_ordered: row['quantityOrdered'],
    price_each: row['priceEach'],
    country: row['country'],
    order_time: row['orderDate'],
  };
}

/** Revenue of a line in cents: quantityOrdered × priceEach, exact. */
export function lineRevenueCents(order: Pick<OrderEvent, 'quantity_ordered' | 'price_each'>): number {
  return order.quantity_ordered * Math.round(order.price_each * 100);
}

/** Cents as the decimal text a DECIMAL column takes (`12345` → `'123.45'`). */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A DECIMAL value as the drivers return it (text or number) in cents. */
export function decimalToCents(value: unknown): number {
  const n = toNumber(value);
  if (n === undefined) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  return Math.round(n * 100);
}

/**
 * Builds the parameterised SELECTs the sources run: a table or a wrapped
 * query, a column list, range and resume predicates, ORDER BY and LIMIT.
 * Every identifier is quoted by the dialect and every value is a
 * parameter, numbered as the dialect wants (`?` or `$n`).
 */
import type { Dialect } from './dialects/dialect.js';
import type { TableRef } from './options.js';

/** The alias a wrapped query gets: `SELECT … FROM (<query>) AS tributary_query`. */
export const QUERY_ALIAS = 'tributary_query';

/** Collects parameters and hands out their placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}

  /** Adds a value; returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.placeholder(this.values.length);
  }
}

/** Where rows come from: a table, or a query wrapped as a derived table. */
export type RowOrigin = { readonly table: TableRef } | { readonly query: string };

/** The FROM clause of an origin. */
export function fromClause(dialect: Dialect, origin: RowOrigin): string {
  if ('table' in origin) return dialect.quoteTable(origin.table);
  const query = origin.query.trim().replace(/;+\s*$/, '');
  return `(${query}) AS ${dialect.quoteIdentifier(QUERY_ALIAS)}`;
}

/** The select list: quoted columns, or `*`. */
export function selectList(dialect: Dialect, columns: readonly string[] | undefined): string {
  return columns === undefined || columns.length === 0 ? '*' : columns.map((c) => dialect.quoteIdentifier(c)).join(', ');
}

/**
 * The predicate "row comes after `last` in `(k1, k2, …)` order", expanded so
 * every database can use an index on the leading column:
 * `k1 > ? OR (k1 = ? AND k2 > ?) OR …`.
 */
export function afterKeyPredicate(dialect: Dialect, params: SqlParams, keys: readonly string[], last: readonly unknown[]): string {
  const terms: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) parts.push(`${dialect.quoteIdentifier(keys[j] as string)} = ${params.add(last[j])}`);
    parts.push(`${dialect.quoteIdentifier(keys[i] as string)} > ${params.add(last[i])}`);
    terms.push(parts.length === 1 ? (parts[0] as string) : `(${parts.join(' AND ')})`);
  }
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(' OR ')})`;
}

/** The ORDER BY clause of key columns (empty without keys). */
export function orderByClause(dialect: Dialect, keys: readonly string[]): string {
  return keys.length === 0 ? '' : ` ORDER BY ${keys.map((k) => dialect.quoteIdentifier(k)).join(', ')}`;
}

/** `SELECT <list> FROM <origin> [WHERE a AND b] [ORDER BY …] [LIMIT n [OFFSET m]]`. */
export function selectSql(
  dialect: Dialect,
  parts: {
    readonly select: string;
    readonly from: string;
    readonly where: readonly string[];
    readonly orderBy?: readonly string[];
    readonly limit?: string;
    readonly offset?: string;
  },
): string {
  const where = parts.where.length === 0 ? '' : ` WHERE ${parts.where.map((w) => (parts.where.length > 1 ? `(${w})` : w)).join(' AND ')}`;
  const limit = parts.limit === undefined ? '' : ` LIMIT ${parts.limit}`;
  const offset = parts.offset === undefined ? '' : ` OFFSET ${parts.offset}`;
  return `SELECT ${parts.select} FROM ${parts.from}${where}${orderByClause(dialect, parts.orderBy ?? [])}${limit}${offset}`;
}

/**
 * The declared-schema check: before a source reads a single row, the
 * table's columns (information_schema) are compared with what the pipeline
 * declares. A mismatch fails with a readable diff — missing columns,
 * extra columns, changed types — and raises a schema-change event (logged,
 * and sent to a pluggable notifier). With `tolerateAdditiveChanges`, extra
 * columns are reported but accepted; missing and changed ones still fail.
 */
import { defaultLogger, type Logger } from '@tributary/core';
import type { ColumnInfo, Dialect, SqlClient } from './dialects/dialect.js';
import type { RdsColumnType } from './dialects/typeNames.js';
import { RdsError, errorMessage } from './errors.js';
import { tableName, type TableRef } from './options.js';

/**
 * The columns a pipeline expects, by name, with their type: a normalised
 * name (`'BIGINT'`, `'VARCHAR'`, `'DECIMAL'`…) or any alias the dialects
 * know (`'INT64'`, `'int4'`, `'character varying'`, `'DATETIME'`…).
 *
 * ```ts
 * const customers: DeclaredSchema = { customerNumber: 'INT', city: 'VARCHAR', creditLimit: 'DECIMAL' };
 * ```
 * Lengths and precisions are not compared (`VARCHAR(50)` equals `VARCHAR(80)`).
 */
export type DeclaredSchema = Readonly<Record<string, RdsColumnType | (string & {})>>;

/** How the table differs from the declaration. Types are normalised names. */
export interface SchemaDiff {
  /** Declared but not in the table. */
  readonly missing: ReadonlyArray<{ readonly name: string; readonly declared: string }>;
  /** In the table but not declared. */
  readonly extra: ReadonlyArray<{ readonly name: string; readonly found: string }>;
  /** In both, with another type. */
  readonly changed: ReadonlyArray<{ readonly name: string; readonly declared: string; readonly found: string }>;
}

/**
 * What a notifier receives when a table no longer matches its declaration.
 *
 * ```ts
 * // { type: 'schema-change', table: 'customers', dialect: 'mysql', outcome: 'failed',
 * //   missing: [{ name: 'city', declared: 'VARCHAR' }], extra: [], changed: [],
 * //   message: 'Schema check failed for table `customers`: missing column `city` (declared VARCHAR)', … }
 * ```
 */
export interface SchemaChangeEvent extends SchemaDiff {
  readonly type: 'schema-change';
  readonly table: string;
  readonly dialect: string;
  /** The source that checked (its name in the pipeline). */
  readonly source: string;
  /** `failed`: the job stops before reading; `tolerated`: only additive changes, accepted by `tolerateAdditiveChanges`. */
  readonly outcome: 'failed' | 'tolerated';
  /** The readable diff. */
  readonly message: string;
  /** When the change was detected (ISO 8601). */
  readonly detectedAt: string;
}

/** Receives schema-change events. Implementations: `loggerNotifier`, `webhookNotifier`, `snsNotifier`, or your own. */
export interface SchemaChangeNotifier {
  notify(event: SchemaChangeEvent): void | Promise<void>;
}

/**
 * The declared schema does not match the table; `diff` says how.
 *
 * ```ts
 * await expect(env.execute('load')).rejects.toThrow(/Schema check failed for table `customers`: missing column `city`/);
 * ```
 */
export class SchemaMismatchError extends RdsError {
  readonly table: string;
  readonly diff: SchemaDiff;

  constructor(table: string, diff: SchemaDiff, message: string) {
    super('RDS_SCHEMA_MISMATCH', message);
    this.name = 'SchemaMismatchError';
    this.table = table;
    this.diff = diff;
  }
}

/**
 * Compares a declaration with the table's columns.
 *
 * ```ts
 * diffSchema({ id: 'INT64', city: 'VARCHAR' }, [{ name: 'id', type: 'BIGINT', rawType: 'bigint', nullable: false }], postgresDialect);
 * // { missing: [{ name: 'city', declared: 'VARCHAR' }], extra: [], changed: [] }
 * ```
 */
export function diffSchema(declared: DeclaredSchema, actual: readonly ColumnInfo[], dialect: Dialect): SchemaDiff {
  const fold = (name: string): string => (dialect.caseSensitiveColumns ? name : name.toLowerCase());
  const found = new Map(actual.map((c) => [fold(c.name), c]));
  const declaredNames = new Set(Object.keys(declared).map(fold));
  const missing: Array<{ name: string; declared: string }> = [];
  const changed: Array<{ name: string; declared: string; found: string }> = [];
  for (const [name, type] of Object.entries(declared)) {
    const want = dialect.normalizeType(type);
    const column = found.get(fold(name));
    if (column === undefined) missing.push({ name, declared: want });
    else if (!dialect.typesCompatible(want, column.type)) changed.push({ name, declared: want, found: column.type });
  }
  const extra = actual.filter((c) => !declaredNames.has(fold(c.name))).map((c) => ({ name: c.name, found: c.type }));
  return { missing, extra, changed };
}

/** Whether a diff holds any difference. */
export function isSchemaDiffEmpty(diff: SchemaDiff): boolean {
  return diff.missing.length === 0 && diff.extra.length === 0 && diff.changed.length === 0;
}

/**
 * The readable form of a diff.
 *
 * ```ts
 * formatSchemaDiff('customers', diff, 'failed');
 * // 'Schema check failed for table `customers`: missing column `city` (declared VARCHAR); column `creditLimit` changed type: declared DECIMAL, found VARCHAR'
 * ```
 */
export function formatSchemaDiff(table: string, diff: SchemaDiff, outcome: 'failed' | 'tolerated' = 'failed'): string {
  const parts = [
    ...diff.missing.map((m) => `missing column \`${m.name}\` (declared ${m.declared})`),
    ...diff.changed.map((c) => `column \`${c.name}\` changed type: declared ${c.declared}, found ${c.found}`),
    ...diff.extra.map((e) => `extra column \`${e.name}\` (found ${e.found})`),
  ];
  const head = outcome === 'failed' ? 'Schema check failed' : 'Schema changed (additive, tolerated)';
  return `${head} for table \`${table}\`: ${parts.join('; ')}`;
}

/** What `checkSchema` needs besides the client. */
export interface SchemaCheckOptions {
  readonly table: TableRef;
  readonly declared: DeclaredSchema;
  /** Accept columns the declaration does not list (they are reported, not read unless selected). Default false. */
  readonly tolerateAdditiveChanges?: boolean;
  readonly notifier?: SchemaChangeNotifier;
  /** Where the change is also logged (default: core's logger, warnings and errors to stderr). */
  readonly logger?: Logger;
  /** The source's name, for the event. */
  readonly source?: string;
  /** The clock for `detectedAt` (ms since the epoch). */
  readonly now?: () => number;
}

/**
 * Checks a table against its declaration; resolves with the table's columns
 * when they match (or differ only additively, when tolerated), otherwise
 * notifies and rejects with a {@link SchemaMismatchError}. A missing table
 * rejects with `RDS_TABLE_NOT_FOUND`.
 *
 * ```ts
 * await checkSchema(client, { table: 'customers', declared: { customerNumber: 'INT', city: 'VARCHAR' }, notifier: webhookNotifier({ url }) });
 * ```
 * A notifier that fails is logged and does not hide the mismatch.
 */
export async function checkSchema(client: SqlClient, options: SchemaCheckOptions): Promise<ColumnInfo[]> {
  const name = tableName(options.table);
  const columns = await client.dialect.describeTable(client, options.table);
  if (columns.length === 0) {
    throw new RdsError('RDS_TABLE_NOT_FOUND', `Schema check failed for table \`${name}\`: the table does not exist (or the user cannot see it)`);
  }
  const diff = diffSchema(options.declared, columns, client.dialect);
  if (isSchemaDiffEmpty(diff)) return columns;
  const additiveOnly = diff.missing.length === 0 && diff.changed.length === 0;
  const outcome = additiveOnly && options.tolerateAdditiveChanges === true ? 'tolerated' : 'failed';
  const message = formatSchemaDiff(name, diff, outcome);
  const event: SchemaChangeEvent = {
    type: 'schema-change',
    table: name,
    dialect: client.dialect.name,
    source: options.source ?? name,
    outcome,
    missing: diff.missing,
    extra: diff.extra,
    changed: diff.changed,
    message,
    detectedAt: new Date((options.now ?? Date.now)()).toISOString(),
  };
  const logger = options.logger ?? defaultLogger;
  if (outcome === 'failed') logger.error({ table: name, missing: diff.missing, extra: diff.extra, changed: diff.changed }, message);
  else logger.warn({ table: name, extra: diff.extra }, message);
  if (options.notifier !== undefined) {
    try {
      await options.notifier.notify(event);
    } catch (error) {
      logger.warn({ table: name, error: errorMessage(error) }, `Schema-change notifier failed: ${errorMessage(error)}`);
    }
  }
  if (outcome === 'failed') throw new SchemaMismatchError(name, diff, message);
  return columns;
}

/**
 * Normalised SQL type names, so that a pipeline's declared schema can be
 * compared with what information_schema reports in either dialect:
 * `int4`, `integer`, `int(11)` and `INT32` are all `INT`; `character
 * varying(40)`, `varchar(50)` are `VARCHAR`. Lengths, precisions and
 * `unsigned` are ignored: the check is about the kind of value a column
 * holds, not its size.
 */

/**
 * The normalised names. A declared schema may use these or any alias in
 * {@link TYPE_ALIASES} (case-insensitive); unknown names are compared as
 * written, upper-cased, without arguments.
 */
export type RdsColumnType =
  | 'SMALLINT'
  | 'INT'
  | 'BIGINT'
  | 'DECIMAL'
  | 'REAL'
  | 'DOUBLE'
  | 'BOOLEAN'
  | 'CHAR'
  | 'VARCHAR'
  | 'TEXT'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP'
  | 'TIMESTAMPTZ'
  | 'JSON'
  | 'BINARY'
  | 'UUID'
  | 'ENUM';

/** Every spelling the connectors recognise, lower-case and without arguments, with its normalised name. */
export const TYPE_ALIASES: Readonly<Record<string, RdsColumnType>> = {
  tinyint: 'SMALLINT',
  smallint: 'SMALLINT',
  int2: 'SMALLINT',
  int16: 'SMALLINT',
  smallserial: 'SMALLINT',
  mediumint: 'INT',
  int: 'INT',
  integer: 'INT',
  int4: 'INT',
  int32: 'INT',
  serial: 'INT',
  bigint: 'BIGINT',
  int8: 'BIGINT',
  int64: 'BIGINT',
  bigserial: 'BIGINT',
  decimal: 'DECIMAL',
  numeric: 'DECIMAL',
  dec: 'DECIMAL',
  fixed: 'DECIMAL',
  real: 'REAL',
  float: 'REAL',
  float4: 'REAL',
  float32: 'REAL',
  double: 'DOUBLE',
  'double precision': 'DOUBLE',
  float8: 'DOUBLE',
  float64: 'DOUBLE',
  boolean: 'BOOLEAN',
  bool: 'BOOLEAN',
  char: 'CHAR',
  character: 'CHAR',
  bpchar: 'CHAR',
  nchar: 'CHAR',
  varchar: 'VARCHAR',
  'character varying': 'VARCHAR',
  nvarchar: 'VARCHAR',
  text: 'TEXT',
  tinytext: 'TEXT',
  mediumtext: 'TEXT',
  longtext: 'TEXT',
  string: 'TEXT',
  date: 'DATE',
  time: 'TIME',
  'time without time zone': 'TIME',
  'time with time zone': 'TIME',
  timetz: 'TIME',
  datetime: 'TIMESTAMP',
  timestamp: 'TIMESTAMP',
  'timestamp without time zone': 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  'timestamp with time zone': 'TIMESTAMPTZ',
  json: 'JSON',
  jsonb: 'JSON',
  binary: 'BINARY',
  varbinary: 'BINARY',
  blob: 'BINARY',
  tinyblob: 'BINARY',
  mediumblob: 'BINARY',
  longblob: 'BINARY',
  bytea: 'BINARY',
  bytes: 'BINARY',
  uuid: 'UUID',
  enum: 'ENUM',
};

/**
 * Normalises a type name.
 *
 * ```ts
 * normalizeTypeName('bigint(20) unsigned'); // 'BIGINT'
 * normalizeTypeName('character varying');   // 'VARCHAR'
 * normalizeTypeName('tinyint(1)');          // 'BOOLEAN' (MySQL's BOOLEAN)
 * normalizeTypeName('int4[]');              // 'INT[]'
 * normalizeTypeName('geometry');            // 'GEOMETRY'
 * ```
 */
export function normalizeTypeName(type: string): string {
  const lower = type.trim().toLowerCase().replace(/\s+/g, ' ');
  if (lower.endsWith('[]')) return `${normalizeTypeName(lower.slice(0, -2))}[]`;
  if (/^tinyint\s*\(\s*1\s*\)/.test(lower)) return 'BOOLEAN';
  const base = lower
    .replace(/\(.*?\)/g, '')
    .replace(/\b(unsigned|signed|zerofill)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return TYPE_ALIASES[base] ?? base.toUpperCase();
}

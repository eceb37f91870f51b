/**
 * The retailer's sales database, classicmodels-shaped: product lines,
 * products, customers, orders, order details and ratings. One definition
 * serves the data generator (DDL and loading), the training-set builder
 * (declared schema checked before reading) and the tests.
 */

/** Column types, as the RDS connector's declared schemas name them. */
export type ColumnType = 'INT' | 'BIGINT' | 'VARCHAR' | 'TEXT' | 'DECIMAL' | 'SMALLINT' | 'DATE' | 'TIMESTAMP';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** Length for VARCHAR, precision/scale for DECIMAL. */
  readonly size?: number | readonly [number, number];
  readonly nullable?: boolean;
}

export interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  readonly primaryKey: readonly string[];
}

const col = (name: string, type: ColumnType, size?: Column['size'], nullable = false): Column =>
  size === undefined ? { name, type, nullable } : { name, type, size, nullable };

export const PRODUCT_LINES_TABLE: Table = {
  name: 'productlines',
  columns: [col('productLine', 'VARCHAR', 50), col('textDescription', 'VARCHAR', 4000, true)],
  primaryKey: ['productLine'],
};

export const PRODUCTS_TABLE: Table = {
  name: 'products',
  columns: [
    col('productCode', 'VARCHAR', 15),
    col('productName', 'VARCHAR', 70),
    col('productLine', 'VARCHAR', 50),
    col('productScale', 'VARCHAR', 10),
    col('productVendor', 'VARCHAR', 50),
    col('productDescription', 'TEXT'),
    col('quantityInStock', 'SMALLINT'),
    col('buyPrice', 'DECIMAL', [10, 2]),
    col('MSRP', 'DECIMAL', [10, 2]),
  ],
  primaryKey: ['productCode'],
};

export const CUSTOMERS_TABLE: Table = {
  name: 'customers',
  columns: [
    col('customerNumber', 'INT'),
    col('customerName', 'VARCHAR', 50),
    col('contactLastName', 'VARCHAR', 50),
    col('contactFirstName', 'VARCHAR', 50),
    col('phone', 'VARCHAR', 50),
    col('addressLine1', 'VARCHAR', 50),
    col('city', 'VARCHAR', 50),
    col('state', 'VARCHAR', 50, true),
    col('postalCode', 'VARCHAR', 15, true),
    col('country', 'VARCHAR', 50),
    col('salesRepEmployeeNumber', 'INT', undefined, true),
    col('creditLimit', 'DECIMAL', [10, 2], true),
  ],
  primaryKey: ['customerNumber'],
};

export const ORDERS_TABLE: Table = {
  name: 'orders',
  columns: [
    col('orderNumber', 'INT'),
    col('orderDate', 'TIMESTAMP'),
    col('requiredDate', 'DATE'),
    col('shippedDate', 'DATE', undefined, true),
    col('status', 'VARCHAR', 15),
    col('comments', 'TEXT', undefined, true),
    col('customerNumber', 'INT'),
  ],
  primaryKey: ['orderNumber'],
};

export const ORDER_DETAILS_TABLE: Table = {
  name: 'orderdetails',
  columns: [
    col('orderNumber', 'INT'),
    col('productCode', 'VARCHAR', 15),
    col('quantityOrdered', 'INT'),
    col('priceEach', 'DECIMAL', [10, 2]),
    col('orderLineNumber', 'SMALLINT'),
  ],
  primaryKey: ['orderNumber', 'productCode'],
};

export const RATINGS_TABLE: Table = {
  name: 'ratings',
  columns: [col('customerNumber', 'INT'), col('productCode', 'VARCHAR', 15), col('productRating', 'INT')],
  primaryKey: ['customerNumber', 'productCode'],
};

/** Every table, in the order they must be created and loaded (referenced tables first). */
export const RETAIL_TABLES: readonly Table[] = [
  PRODUCT_LINES_TABLE,
  PRODUCTS_TABLE,
  CUSTOMERS_TABLE,
  ORDERS_TABLE,
  ORDER_DETAILS_TABLE,
  RATINGS_TABLE,
];

export type SqlDialect = 'mysql' | 'postgres';

/** Quotes an identifier for the dialect (camelCase names need quoting in PostgreSQL). */
export function quoteIdentifier(name: string, dialect: SqlDialect): string {
  return dialect === 'mysql' ? `\`${name.replaceAll('`', '``')}\`` : `"${name.replaceAll('"', '""')}"`;
}

function sqlType(column: Column, dialect: SqlDialect): string {
  const size = column.size;
  switch (column.type) {
    case 'VARCHAR':
      return `VARCHAR(${typeof size === 'number' ? size : 255})`;
    case 'DECIMAL': {
      const [p, s] = Array.isArray(size) ? size : [10, 2];
      return `DECIMAL(${p},${s})`;
    }
    case 'TIMESTAMP':
      return dialect === 'mysql' ? 'DATETIME(3)' : 'TIMESTAMP(3)';
    default:
      return column.type;
  }
}

/** CREATE TABLE IF NOT EXISTS for the dialect. */
export function createTableSql(table: Table, dialect: SqlDialect): string {
  const q = (n: string): string => quoteIdentifier(n, dialect);
  const columns = table.columns.map((c) => `${q(c.name)} ${sqlType(c, dialect)}${c.nullable === true ? '' : ' NOT NULL'}`);
  columns.push(`PRIMARY KEY (${table.primaryKey.map(q).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${q(table.name)} (\n  ${columns.join(',\n  ')}\n)`;
}

/**
 * `ALTER TABLE … ADD COLUMN` for the columns of `table` an existing table
 * lacks (a table created by an earlier version), `[]` when none is missing.
 * Added columns are nullable whatever the definition says: the rows
 * already there have no value for them.
 */
export function addColumnsSql(table: Table, existing: readonly string[], dialect: SqlDialect): string[] {
  const fold = (name: string): string => (dialect === 'mysql' ? name.toLowerCase() : name);
  const present = new Set(existing.map(fold));
  const q = (n: string): string => quoteIdentifier(n, dialect);
  return table.columns
    .filter((c) => !present.has(fold(c.name)))
    .map((c) => `ALTER TABLE ${q(table.name)} ADD COLUMN ${q(c.name)} ${sqlType(c, dialect)} NULL`);
}

/** The declared schema of a table for the RDS connector's schema check: column → type. */
export function declaredSchema(table: Table, columns?: readonly string[]): Record<string, ColumnType> {
  const wanted = columns === undefined ? table.columns : table.columns.filter((c) => columns.includes(c.name));
  return Object.fromEntries(wanted.map((c) => [c.name, c.type]));
}

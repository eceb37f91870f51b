/**
 * The shared retail contracts (tables, row types, events) this package
 * uses, in one place. `@tributary/pipelines` has no index exporting them
 * yet, so they are imported from its sources by relative path; once the
 * package exports them, only this file changes.
 */
export {
  RETAIL_TABLES,
  PRODUCT_LINES_TABLE,
  PRODUCTS_TABLE,
  CUSTOMERS_TABLE,
  ORDERS_TABLE,
  ORDER_DETAILS_TABLE,
  RATINGS_TABLE,
  createTableSql,
  quoteIdentifier,
  type Table,
  type Column,
  type SqlDialect,
} from '@tributary/pipelines';
export type {
  ProductLineRow,
  ProductRow,
  CustomerRow,
  OrderRow,
  OrderDetailRow,
  RatingRow,
} from '@tributary/pipelines';
export { validateSessionEvent, type SessionEvent, type BrowseItem, type OrderEvent } from '@tributary/pipelines';

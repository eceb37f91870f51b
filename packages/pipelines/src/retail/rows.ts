/**
 * Row types of the sales database tables (see tables.ts) and of the
 * recommender's training set.
 */

export interface ProductLineRow {
  readonly productLine: string;
  readonly textDescription: string | null;
}

export interface ProductRow {
  readonly productCode: string;
  readonly productName: string;
  readonly productLine: string;
  readonly productScale: string;
  readonly productVendor: string;
  readonly productDescription: string;
  readonly quantityInStock: number;
  readonly buyPrice: number;
  readonly MSRP: number;
}

export interface CustomerRow {
  readonly customerNumber: number;
  readonly customerName: string;
  readonly contactLastName: string;
  readonly contactFirstName: string;
  readonly phone: string;
  readonly addressLine1: string;
  readonly city: string;
  readonly state: string | null;
  readonly postalCode: string | null;
  readonly country: string;
  readonly salesRepEmployeeNumber: number | null;
  readonly creditLimit: number | null;
}

export interface OrderRow {
  readonly orderNumber: number;
  /** Event time of the order (ms since the epoch when read through the connectors, a Date from drivers). */
  readonly orderDate: Date | number | string;
  readonly requiredDate: Date | string;
  readonly shippedDate: Date | string | null;
  readonly status: string;
  readonly comments: string | null;
  readonly customerNumber: number;
}

export interface OrderDetailRow {
  readonly orderNumber: number;
  readonly productCode: string;
  readonly quantityOrdered: number;
  readonly priceEach: number;
  readonly orderLineNumber: number;
}

export interface RatingRow {
  readonly customerNumber: number;
  readonly productCode: string;
  /** 1–5. */
  readonly productRating: number;
}

/**
 * One row of the recommender's training set: user features, product
 * features and the rating (ratings ⋈ customers ⋈ products).
 */
export interface TrainingRow {
  readonly customerNumber: number;
  readonly city: string;
  readonly state: string | null;
  readonly postalCode: string | null;
  readonly country: string;
  readonly creditLimit: number;
  readonly productCode: string;
  readonly productLine: string;
  readonly productScale: string;
  readonly quantityInStock: number;
  readonly buyPrice: number;
  readonly MSRP: number;
  readonly productRating: number;
}

/** The training set's columns, in file order. */
export const TRAINING_COLUMNS: readonly (keyof TrainingRow)[] = [
  'customerNumber',
  'city',
  'state',
  'postalCode',
  'country',
  'creditLimit',
  'productCode',
  'productLine',
  'productScale',
  'quantityInStock',
  'buyPrice',
  'MSRP',
  'productRating',
];

/** Bumped when TrainingRow changes; written into the manifest. */
export const TRAINING_SCHEMA_VERSION = 1;

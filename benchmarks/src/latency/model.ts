// The model the latency benchmark serves: trained (trainAndEvaluate) on the
// ratings of a generated retail dataset (packages/examples' data generator,
// the same dataset the load generator draws its shoppers and products from),
// so that known customers have embeddings and every browsed product is in
// the model's catalog — the recommender's real per-event work.
import { trainAndEvaluate, type ModelArtifact, type TrainingRow } from '@tributary/pipelines';
import { retailDataset, type RetailDataset } from '../../../packages/examples/src/data/generator.js';

/** Customers of the generated dataset (each gets a stored embedding). */
export const MODEL_CUSTOMERS = 20_000;
export const DATASET_SEED = 42;

export function benchmarkDataset(customers = MODEL_CUSTOMERS): RetailDataset {
  return retailDataset({ customers, seed: DATASET_SEED });
}

/** ratings ⋈ customers ⋈ products, as the training-set builder would deliver them. */
export function trainingRows(dataset: RetailDataset): TrainingRow[] {
  const products = new Map(dataset.catalog.map((p) => [p.productCode, p]));
  const rows: TrainingRow[] = [];
  for (const rating of dataset.ratings()) {
    const index = dataset.customerIndexOf(rating.customerNumber);
    const product = products.get(rating.productCode);
    if (index === undefined || product === undefined) continue;
    const c = dataset.customerAt(index).row;
    rows.push({
      customerNumber: c.customerNumber,
      city: c.city,
      state: c.state ?? null,
      postalCode: c.postalCode ?? null,
      country: c.country,
      creditLimit: c.creditLimit ?? 0,
      productCode: product.productCode,
      productLine: product.productLine,
      productScale: product.productScale,
      quantityInStock: product.quantityInStock,
      buyPrice: product.buyPrice,
      MSRP: product.MSRP,
      productRating: rating.productRating,
    });
  }
  return rows;
}

export interface TrainedModel {
  readonly artifact: ModelArtifact;
  readonly rows: number;
  readonly trainingSeconds: number;
  readonly epochs: number;
  readonly rmse: number;
}

/** Trains a small model quickly (few epochs: the benchmark measures serving, not model quality). */
export function trainBenchmarkModel(customers = MODEL_CUSTOMERS, epochs = 2): TrainedModel {
  const dataset = benchmarkDataset(customers);
  const rows = trainingRows(dataset);
  const started = performance.now();
  const result = trainAndEvaluate(rows, { seed: 7, epochs, validationFraction: 0 });
  return {
    artifact: result.artifact,
    rows: rows.length,
    trainingSeconds: (performance.now() - started) / 1000,
    epochs: result.epochs,
    rmse: result.report.rmse,
  };
}

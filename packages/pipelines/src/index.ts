/**
 * @tributary/pipelines — the retail data system's pipeline definitions
 * (training-set builder, model trainer, streaming recommender) and the
 * contracts they share: the sales database's tables and rows, the session
 * and recommendation events, and the model artifact.
 */
export * from './retail/tables.js';
export * from './retail/rows.js';
export * from './retail/events.js';
export * from './retail/orders.js';
export * from './model/index.js';
export * from './trainingSet/index.js';
export * from './trainer/index.js';
export * from './recommender/index.js';
export * from './salesDashboard/index.js';

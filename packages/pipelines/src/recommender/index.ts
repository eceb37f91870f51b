/**
 * The streaming recommender: session events in, personalized product
 * recommendations out within a second, the most popular products when the
 * model cannot answer. The pipeline definition for `tributary run` is the
 * subpath `@tributary/pipelines/streaming-recommender`; the Lambda handlers
 * reuse {@link Recommender} and the session merge.
 */
export * from './session.js';
export * from './popularity.js';
export * from './scorer.js';
export * from './recommender.js';
export * from './modelUpdates.js';
export * from './recommenderFunction.js';
export * from './serving.js';
export * from './pipeline.js';
export * from './config.js';

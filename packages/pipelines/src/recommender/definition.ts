/**
 * The streaming recommender as a pipeline definition for the bundled runner:
 *
 * ```sh
 * tributary run @tributary/pipelines/streaming-recommender --config recommender.json --serving-port 8080 \
 *   --checkpoint-dir s3://… --checkpoint-interval 10s --metrics-port 9464
 * ```
 * Besides the job, the runner starts the serving endpoint
 * (`GET /recommendations/:sessionId`, 127.0.0.1 unless `serving.host` says
 * otherwise) and exports the answer counts as gauges
 * (`recommender_answers{source=…}`, `recommender_fallbacks{reason=…}`).
 */
import { definePipeline } from '@tributary/core';
import { streamingRecommenderConfigSchema, toStreamingRecommenderOptions } from './config.js';
import { buildStreamingRecommender } from './pipeline.js';
import type { FallbackReason } from './recommender.js';
import { startServingEndpoint } from './serving.js';

const FALLBACK_REASONS: readonly FallbackReason[] = ['no-model', 'model-error', 'deadline', 'circuit-open'];

export default definePipeline({
  name: 'streaming-recommender',
  description: 'Recommends products per shopper session within a second: Kinesis session events → session state → model (or the most popular products) → Kinesis, Firehose and GET /recommendations/:sessionId',
  config: streamingRecommenderConfigSchema,
  options: [
    { flag: '--serving-port <port>', config: 'serving.port', description: 'serve GET /recommendations/:sessionId on this port (0: any free port)' },
  ],
  build(env, config) {
    const job = buildStreamingRecommender(env, { ...toStreamingRecommenderOptions(config), logger: env.logger });
    const stats = job.stats;
    const gauges = [
      { name: 'recommender_events', help: 'Session events answered', value: () => stats.events },
      { name: 'recommender_answers', help: 'Recommendations by source', labels: { source: 'model' }, value: () => stats.model },
      { name: 'recommender_answers', help: 'Recommendations by source', labels: { source: 'fallback' }, value: () => stats.fallback },
      ...FALLBACK_REASONS.map((reason) => ({ name: 'recommender_fallbacks', help: 'Fallback answers by reason', labels: { reason }, value: () => stats.fallbackReasons[reason] })),
      { name: 'recommender_model_load_failures', help: 'Model updates that could not be used', value: () => stats.modelLoadFailures },
    ];
    const store = job.store;
    return {
      gauges,
      async start({ logger }) {
        if (store === undefined) return;
        const endpoint = await startServingEndpoint(store, { port: config.serving.port, host: config.serving.host });
        logger.info({ url: endpoint.url }, `serving recommendations at ${endpoint.url}/recommendations/:sessionId`);
        return endpoint;
      },
    };
  },
});

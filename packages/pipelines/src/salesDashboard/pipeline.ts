/**
 * The sales dashboard as a pipeline definition for the bundled runner:
 *
 * ```sh
 * tributary run @tributary/pipelines/sales-dashboard --config sales.json --dashboard-port 8080 \
 *     --checkpoint-dir ./chk --metrics-port 9464
 * ```
 * The runner creates the dashboard tables if missing, starts the freshness
 * monitor and (with `--dashboard-port`, i.e. `dashboard.port`) the web page
 * on 127.0.0.1 before the job, exports `sales_dashboard_data_age_seconds`
 * and the quarantine counters with `--metrics-port`, and closes them after
 * the job. Parquet files on S3 are committed at checkpoints: run with
 * `--checkpoint-dir` (the default interval is a minute).
 */
import { definePipeline } from '@tributary/core';
import { salesDashboardConfigSchema, toSalesDashboardOptions } from './config.js';
import { buildSalesDashboard } from './salesDashboard.js';

export default definePipeline({
  name: 'sales-dashboard',
  description: 'Sales by product line × country × hour with early firings, demand-spike alerts and a web dashboard: orders (replica and/or Kinesis) → PostgreSQL/MySQL upserts and Parquet on S3',
  config: salesDashboardConfigSchema,
  defaults: { checkpointInterval: '1m' },
  options: [
    { flag: '--dashboard-port <port>', config: 'dashboard.port', description: 'serve the web dashboard on PORT (0: a free port)' },
    { flag: '--dashboard-host <host>', config: 'dashboard.host', description: 'address the web dashboard binds to (default 127.0.0.1)' },
  ],
  build(env, config) {
    const dashboard = buildSalesDashboard(env, toSalesDashboardOptions(config));
    return {
      gauges: dashboard.gauges,
      async start({ logger }) {
        const running = await dashboard.start({ ...(config.dashboard.port === undefined ? {} : { port: config.dashboard.port }), host: config.dashboard.host });
        if (running.url !== undefined) logger.info({ url: running.url }, `serving the sales dashboard at ${running.url}`);
        return running;
      },
    };
  },
});

/**
 * The sales dashboard: windowed sales metrics by product line × country ×
 * hour with early firings, demand-spike alerts against a trailing
 * baseline, freshness (data age) measurement, and the web page. The
 * pipeline definition is the subpath `@tributary/pipelines/sales-dashboard`.
 */
export * from './regions.js';
export * from './trigger.js';
export * from './salesMetrics.js';
export * from './spikes.js';
export * from './tables.js';
export * from './dashboardQueries.js';
export * from './freshness.js';
export * from './dataflow.js';
export * from './server.js';
export * from './flushingSink.js';
export * from './webhookSink.js';
export { dashboardPage, type DashboardPageOptions } from './page.js';
export * from './salesDashboard.js';
export * from './config.js';

/**
 * The demo's sales dashboard: the `sales-dashboard` pipeline reads the order
 * events the simulated platform writes to Kinesis, keeps hourly sales by
 * product line × country in a table of the sales database (upserts with
 * early firings), flags demand spikes and serves the web page.
 */
import { join } from 'node:path';
import { StreamEnvironment, type JobHandle } from '@tributary/core';
import { buildSalesDashboard, type DashboardView } from '@tributary/pipelines';
import type { DemoInfrastructure } from './infrastructure.js';
import type { DemoOptions } from './options.js';
import type { Reporter } from './reporter.js';

/** Early firings in the demo: the page changes every few seconds while orders come in. */
export const DEMO_EARLY_FIRING_MS = 5_000;

/** A running dashboard. */
export interface DemoDashboard {
  readonly url: string | undefined;
  view(): Promise<DashboardView>;
  stop(): Promise<void>;
}

/** Starts the dashboard job and page. */
export async function startDashboard(options: DemoOptions, infra: DemoInfrastructure, checkpointDir: string, report: Reporter): Promise<DemoDashboard> {
  const env = StreamEnvironment.create({ parallelism: 1, checkpointInterval: 10_000, checkpointDir: join(checkpointDir, 'sales-dashboard'), logger: report.logger() });
  const dashboard = buildSalesDashboard(env, {
    database: infra.database.source,
    sources: { kinesis: { stream: options.orderStream, clientConfig: infra.clientConfig('kinesis'), startPosition: infra.local === undefined ? 'LATEST' : 'TRIM_HORIZON' } },
    output: { bucket: options.bucket, prefix: 'sales/', clientConfig: infra.clientConfig('s3') },
    earlyFiringIntervalMs: DEMO_EARLY_FIRING_MS,
  });
  const running = await dashboard.start({ port: options.dashboardPort });
  const handle: JobHandle = env.execute('sales-dashboard');
  const ended = handle.done.then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    url: running.url,
    view: () => dashboard.view(),
    async stop() {
      await handle.stopWithSavepoint().catch(() => handle.cancel());
      const error = await ended;
      await running.close();
      if (error !== undefined) throw error;
    },
  };
}

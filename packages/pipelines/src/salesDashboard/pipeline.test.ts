/**
 * The `sales-dashboard` pipeline definition: its config, and a run through
 * the `tributary` CLI (a child process under tsx) with `--dashboard-port`
 * and `--metrics-port` against the local stack's PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPipelineDefinition } from '@tributary/core';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { openSqlClient } from '@tributary/connectors/rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMERS_TABLE, ORDER_DETAILS_TABLE, ORDERS_TABLE, PRODUCTS_TABLE, createTableSql } from '../retail/tables.js';
import { salesDashboardConfigSchema, toSalesDashboardOptions } from './config.js';
import { waitUntil } from './fixtures.js';
import pipeline from './pipeline.js';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../../core/src/runner/cli.ts', import.meta.url));
const base = { database: { dialect: 'postgres', connection: { host: 'db', user: 'dash', database: 'sales' } }, sources: { database: {} } };

describe('the sales-dashboard pipeline definition', () => {
  it('declares its flags and fills in the defaults', () => {
    expect(isPipelineDefinition(pipeline)).toBe(true);
    expect(pipeline.name).toBe('sales-dashboard');
    expect(pipeline.options.map((o) => [o.flag, o.config])).toEqual([
      ['--dashboard-port <port>', 'dashboard.port'],
      ['--dashboard-host <host>', 'dashboard.host'],
    ]);
    const config = salesDashboardConfigSchema.parse(base);
    expect(config).toMatchObject({
      tables: { hourly: 'sales_dashboard_hourly', alerts: 'sales_dashboard_alerts' },
      windows: { earlyFiringIntervalMs: 30_000, allowedLatenessMs: 86_400_000 },
      spikes: { metric: 'units', baselineHours: 24, zThreshold: 3, minRatio: 2 },
      dashboard: { host: '127.0.0.1', refreshMs: 5_000, hours: 24 },
    });
    expect(config.dashboard.port).toBeUndefined();
    const options = toSalesDashboardOptions(salesDashboardConfigSchema.parse({ ...base, sources: { kinesis: { stream: 'orders', endpoint: 'http://127.0.0.1:4567' } } }));
    expect(options.sources.kinesis).toMatchObject({ stream: 'orders', startPosition: 'TRIM_HORIZON', clientConfig: { endpoint: 'http://127.0.0.1:4567' } });
    expect(options.database).toEqual({ dialect: 'postgres', connection: { host: 'db', user: 'dash', database: 'sales' } });
  });

  it('turns alerts.webhook into the webhook sink options, and rejects a URL that is not http(s)', () => {
    const webhook = { url: 'https://hooks.example.com/T000/B000', headers: { authorization: 'Bearer s3cret' } };
    const options = toSalesDashboardOptions(salesDashboardConfigSchema.parse({ ...base, alerts: { webhook } }));
    expect(options.alerts?.webhook).toEqual({ ...webhook, timeoutMs: 10_000 });
    const bad = salesDashboardConfigSchema.safeParse({ ...base, alerts: { webhook: { url: 'ftp://hooks.example.com/x', headers: { 'bad header': 'v' } } } });
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual(
      expect.arrayContaining([
        ['alerts.webhook.url', 'an http:// or https:// URL'],
        ['alerts.webhook.headers.bad header', expect.any(String)],
      ]),
    );
  });

  it('lists config problems with their paths', () => {
    const result = salesDashboardConfigSchema.safeParse({ database: base.database, sources: {}, spikes: { baselineHours: 2, minBaselineHours: 3 }, dashboard: { port: 70_000 } });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual(
      expect.arrayContaining([
        ['sources', 'give at least one source: database (the read replica) or kinesis (the order stream)'],
        ['dashboard.port', expect.stringContaining('65535')],
      ]),
    );
  });
});

describe('tributary run @tributary/pipelines/sales-dashboard', () => {
  let stack: LocalStack;
  let configPath: string;

  beforeAll(async () => {
    stack = await startLocalStack({ kinesis: false, s3: false, firehose: false });
    const sql = openSqlClient({ dialect: 'postgres', connection: { connectionString: stack.endpoints.postgres } });
    try {
      for (const table of [PRODUCTS_TABLE, CUSTOMERS_TABLE, ORDERS_TABLE, ORDER_DETAILS_TABLE]) await sql.query(createTableSql(table, 'postgres'));
    } finally {
      await sql.close();
    }
    configPath = join(mkdtempSync(join(tmpdir(), 'sales-dashboard-')), 'config.json');
    writeFileSync(configPath, JSON.stringify({ database: { dialect: 'postgres', connection: { url: stack.endpoints.postgres } }, sources: { database: { pollIntervalMs: 200 } } }));
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the page and the data-age metrics on loopback, and stops cleanly', { timeout: 90_000 }, async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@tributary/source', cli, 'run', '@tributary/pipelines/sales-dashboard', '-c', configPath, '--dashboard-port', '0', '--metrics-port', '0', '--status-interval', '0s'],
      { cwd: packageDir, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await waitUntil(() => /serving the sales dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.test(stderr) && /serving Prometheus metrics at/.test(stderr), 60_000, 'the servers');
      const dashboardUrl = /serving the sales dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1] as string;
      const metricsUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(stderr)?.[1] as string;
      const page = await fetch(dashboardUrl);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('data-testid="data-age"');
      const view = (await (await fetch(`${dashboardUrl}api/dashboard`)).json()) as { dataAgeMs: number | null; byProductLine: unknown[] };
      expect(view).toMatchObject({ dataAgeMs: null, byProductLine: [] });
      const metrics = await (await fetch(metricsUrl)).text();
      expect(metrics).toContain('# TYPE sales_dashboard_data_age_seconds gauge');
      expect(metrics).toContain('sales_dashboard_quarantined_total{job="sales-dashboard",reason="negative-quantity"} 0');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});

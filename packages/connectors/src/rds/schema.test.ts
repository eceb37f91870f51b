import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamEnvironment, WatermarkStrategy, silentLogger, type Logger } from '@tributary/core';
import { runToCompletion } from '@tributary/core/testing';
import { openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import { rdsIncrementalSource } from './incrementalSource.js';
import { combineNotifiers, loggerNotifier, snsNotifier, webhookNotifier, type SnsPublishInput } from './notifiers.js';
import type { RdsRow } from './options.js';
import { SchemaMismatchError, checkSchema, type SchemaChangeEvent, type SchemaChangeNotifier } from './schema.js';
import { rdsSource } from './source.js';
import { insertRows, uniqueTableName, rdsTestTargets } from './testing.js';

const targets = await rdsTestTargets();

const DECLARED = { customerNumber: 'INT', city: 'VARCHAR', creditLimit: 'DECIMAL' } as const;

/** A notifier that keeps what it is given. */
function capturing(): SchemaChangeNotifier & { events: SchemaChangeEvent[] } {
  const events: SchemaChangeEvent[] = [];
  return { events, notify: (event) => void events.push(event) };
}

/** A loopback webhook receiver. */
async function webhookReceiver(): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      bodies.push({ method: req.method, contentType: req.headers['content-type'], token: req.headers['x-token'], event: JSON.parse(body) as unknown });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/schema-changes`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(targets)('declared schema check on $name', ({ conn, run }) => {
  let admin: SqlClient;
  const renamed = uniqueTableName('cust_renamed');
  const additive = uniqueTableName('cust_additive');
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;

  beforeAll(async () => {
    if (!run) return;
    admin = openSqlClient(conn);
    const q = (s: string): string => admin.dialect.quoteIdentifier(s);
    // `city` was renamed to `town`, and `creditLimit` became text.
    await admin.query(`CREATE TABLE ${q(renamed)} (${q('customerNumber')} INT PRIMARY KEY, ${q('town')} VARCHAR(50), ${q('creditLimit')} VARCHAR(20))`);
    await admin.query(`CREATE TABLE ${q(additive)} (${q('customerNumber')} INT PRIMARY KEY, ${q('city')} VARCHAR(50), ${q('creditLimit')} DECIMAL(10,2), ${q('segment')} VARCHAR(10))`);
    const rows: RdsRow[] = Array.from({ length: 20 }, (_, i) => ({ customerNumber: i + 1, town: `t${i}`, city: `c${i}`, creditLimit: `${i}00.00`, segment: 'retail' }));
    await insertRows(admin, renamed, ['customerNumber', 'town', 'creditLimit'], rows);
    await insertRows(admin, additive, ['customerNumber', 'city', 'creditLimit', 'segment'], rows);
    hook = await webhookReceiver();
  });

  afterAll(async () => {
    if (!run) return;
    await admin.query(`DROP TABLE IF EXISTS ${admin.dialect.quoteIdentifier(renamed)}`);
    await admin.query(`DROP TABLE IF EXISTS ${admin.dialect.quoteIdentifier(additive)}`);
    await admin.close();
    await hook.close();
  });

  it.skipIf(!run)('a renamed column fails the job before a single row is read, naming the column, and notifies', async () => {
    const captured = capturing();
    const published: SnsPublishInput[] = [];
    const logged: string[] = [];
    const logger: Logger = { ...silentLogger, error: (_obj, msg) => void logged.push(msg ?? '') };
    const notifier = combineNotifiers(
      captured,
      webhookNotifier({ url: hook.url, headers: { 'x-token': 'secret' } }),
      snsNotifier(async (input) => void published.push(input), { topicArn: 'arn:aws:sns:eu-west-1:000000000000:schema' }),
      loggerNotifier(silentLogger),
    );
    const source = rdsSource({ ...conn, table: renamed, schema: DECLARED, notifier, logger });
    const received: unknown[] = [];
    const env = StreamEnvironment.create({ logger: silentLogger });
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'customers').sinkTo((row) => void received.push(row));
    const expected = `Schema check failed for table \`${renamed}\`: missing column \`city\` (declared VARCHAR); column \`creditLimit\` changed type: declared DECIMAL, found VARCHAR; extra column \`town\` (found VARCHAR)`;
    await expect(env.execute('schema check').done).rejects.toThrow(expected);
    expect(received).toEqual([]);
    expect(source.metrics.records).toBe(0);

    expect(captured.events).toHaveLength(1);
    expect(captured.events[0]).toMatchObject({
      type: 'schema-change',
      table: renamed,
      dialect: conn.dialect,
      source: renamed,
      outcome: 'failed',
      missing: [{ name: 'city', declared: 'VARCHAR' }],
      changed: [{ name: 'creditLimit', declared: 'DECIMAL', found: 'VARCHAR' }],
      extra: [{ name: 'town', found: 'VARCHAR' }],
      message: expected,
    });
    expect(hook.bodies).toContainEqual({ method: 'POST', contentType: 'application/json', token: 'secret', event: captured.events[0] });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ TopicArn: 'arn:aws:sns:eu-west-1:000000000000:schema', Subject: `Schema mismatch: ${renamed}`.slice(0, 100) });
    expect(JSON.parse(published[0]?.Message ?? '{}')).toEqual(captured.events[0]);
    expect(logged).toEqual([expected]);
  });

  it.skipIf(!run)('the incremental source checks too', async () => {
    const captured = capturing();
    const env = StreamEnvironment.create({ logger: silentLogger });
    env
      .fromSource(rdsIncrementalSource({ ...conn, table: renamed, trackingColumn: 'customerNumber', schema: DECLARED, notifier: captured, logger: silentLogger }), WatermarkStrategy.noWatermarks(), 'feed')
      .sinkTo(() => {});
    await expect(env.execute('feed').done).rejects.toThrow(/missing column `city`/);
    expect(captured.events.map((e) => e.outcome)).toEqual(['failed']);
  });

  it.skipIf(!run)('an extra column fails by default, and is accepted (and reported) with tolerateAdditiveChanges', async () => {
    const strict = capturing();
    await expect(
      runToCompletion(
        StreamEnvironment.create({ logger: silentLogger }).fromSource(
          rdsSource({ ...conn, table: additive, schema: DECLARED, notifier: strict, logger: silentLogger }),
          WatermarkStrategy.noWatermarks(),
          'strict',
        ),
      ),
    ).rejects.toThrow(`Schema check failed for table \`${additive}\`: extra column \`segment\` (found VARCHAR)`);
    expect(strict.events[0]?.outcome).toBe('failed');

    const tolerant = capturing();
    const rows = await runToCompletion(
      StreamEnvironment.create({ logger: silentLogger }).fromSource(
        rdsSource({ ...conn, table: additive, schema: DECLARED, tolerateAdditiveChanges: true, notifier: tolerant, logger: silentLogger }),
        WatermarkStrategy.noWatermarks(),
        'tolerant',
      ),
    );
    expect(rows).toHaveLength(20);
    // Only the declared columns are selected.
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(['city', 'creditLimit', 'customerNumber']);
    expect(tolerant.events).toMatchObject([{ outcome: 'tolerated', extra: [{ name: 'segment', found: 'VARCHAR' }], missing: [], changed: [] }]);

    // Additive mode does not excuse missing or changed columns.
    await expect(
      checkSchema(admin, { table: renamed, declared: DECLARED, tolerateAdditiveChanges: true, logger: silentLogger }),
    ).rejects.toBeInstanceOf(SchemaMismatchError);
  });

  it.skipIf(!run)('a matching schema passes; a missing table fails clearly', async () => {
    const columns = await checkSchema(admin, { table: additive, declared: { ...DECLARED, segment: 'VARCHAR' }, logger: silentLogger });
    expect(columns.map((c) => c.name)).toEqual(['customerNumber', 'city', 'creditLimit', 'segment']);
    await expect(checkSchema(admin, { table: 'no_such_table_anywhere', declared: DECLARED, logger: silentLogger })).rejects.toThrow(
      'Schema check failed for table `no_such_table_anywhere`: the table does not exist',
    );
  });

  it.skipIf(!run)('a failing notifier is logged and does not hide the mismatch', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_obj, msg) => void warnings.push(msg ?? '') };
    const broken = webhookNotifier({ url: 'http://127.0.0.1:9/unreachable', timeoutMs: 2_000 });
    await expect(checkSchema(admin, { table: renamed, declared: DECLARED, notifier: broken, logger })).rejects.toThrow(/missing column `city`/);
    expect(warnings.some((w) => w.startsWith('Schema-change notifier failed: Schema-change webhook http://127.0.0.1:9/unreachable failed'))).toBe(true);
  });
});

#!/usr/bin/env node
/**
 * `retail-data`: generates the classicmodels-shaped database and loads it
 * into MySQL/MariaDB, PostgreSQL or PGlite (or only counts the rows).
 *
 * ```sh
 * node --import tsx --conditions=@tributary/source packages/examples/src/data/cli.ts \
 *   --customers 100000 --seed 42 --target mysql --url mysql://root@127.0.0.1:3306/shop
 * ```
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { retailDataset, resolveRetailDataOptions, type RetailDataOptions, type RetailTableName } from './generator.js';
import { loadRetailData, mysqlTarget, pgliteTarget, postgresTarget, type LoadMode, type SqlTarget } from './load.js';

/** Where the command writes. */
export interface DataCliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Environment (DATABASE_URL); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const USAGE = `Usage: retail-data [options]

Generates the classicmodels-shaped sales database (productlines, products,
customers, orders, orderdetails, ratings) with a planted preference structure
and loads it into a database.

Options:
  --customers N              customers to generate (default 1000)
  --products N               catalogue size (default 110)
  --orders-per-customer X    mean orders per customer (default 3)
  --ratings-per-customer X   mean ratings per customer (default 10)
  --seed N                   seed (default 42)
  --target T                 mysql | postgres | pglite | none (count only; default none)
  --url URL                  database URL (default $DATABASE_URL); for pglite, a PGlite socket server
  --pglite-dir DIR           pglite without --url: the PGlite data directory to load into
  --mode M                   drop (default) | truncate | append
  --batch-size N             rows per INSERT (default 1000)
  --quiet                    no progress on stderr
  -h, --help                 show this help
`;

const number = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new RangeError(`--${name} must be a number, got '${text}'`);
  return value;
};

/**
 * Runs the command; resolves with the exit code (0 ok, 1 failed, 2 bad arguments).
 *
 * ```ts
 * await runDataCli(['--customers', '1000', '--target', 'postgres', '--url', url], { stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function runDataCli(argv: readonly string[], io: DataCliIo): Promise<number> {
  let values;
  let options: RetailDataOptions;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        customers: { type: 'string' },
        products: { type: 'string' },
        'orders-per-customer': { type: 'string' },
        'ratings-per-customer': { type: 'string' },
        seed: { type: 'string' },
        target: { type: 'string' },
        url: { type: 'string' },
        'pglite-dir': { type: 'string' },
        mode: { type: 'string' },
        'batch-size': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help === true) {
      io.stdout.write(USAGE);
      return 0;
    }
    const optional = <K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> =>
      (value === undefined ? {} : { [key]: value }) as Partial<Record<K, number>>;
    options = {
      customers: number('customers', values.customers) ?? 1000,
      ...optional('products', number('products', values.products)),
      ...optional('ordersPerCustomer', number('orders-per-customer', values['orders-per-customer'])),
      ...optional('ratingsPerCustomer', number('ratings-per-customer', values['ratings-per-customer'])),
      ...optional('seed', number('seed', values.seed)),
    };
    resolveRetailDataOptions(options);
    const target = values.target ?? 'none';
    if (!['mysql', 'postgres', 'pglite', 'none'].includes(target)) throw new RangeError(`--target must be mysql, postgres, pglite or none, got '${target}'`);
    const mode = values.mode ?? 'drop';
    if (!['drop', 'truncate', 'append'].includes(mode)) throw new RangeError(`--mode must be drop, truncate or append, got '${mode}'`);
    number('batch-size', values['batch-size']);
  } catch (error) {
    io.stderr.write(`retail-data: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }

  const data = retailDataset(options);
  const target = values.target ?? 'none';
  const started = performance.now();
  const quiet = values.quiet === true;
  let lastReport = 0;
  const progress = ({ table, rows, done }: { table: RetailTableName; rows: number; done: boolean }): void => {
    if (quiet) return;
    const now = performance.now();
    if (!done && now - lastReport < 1000) return;
    lastReport = now;
    io.stderr.write(`  ${table}: ${rows.toLocaleString('en-US')} rows${done ? ' ✓' : ''}\n`);
  };
  const describe = `${options.customers.toLocaleString('en-US')} customers, seed ${data.options.seed}`;

  if (target === 'none') {
    const counts: Partial<Record<RetailTableName, number>> = {};
    for (const table of ['productlines', 'products', 'customers', 'orders', 'orderdetails', 'ratings'] as const) {
      let n = 0;
      for (const _ of data.rows(table)) n++;
      counts[table] = n;
      progress({ table, rows: n, done: true });
    }
    io.stdout.write(summary(`generated (not loaded): ${describe}`, counts, performance.now() - started));
    return 0;
  }

  const url = values.url ?? io.env?.['DATABASE_URL'] ?? process.env['DATABASE_URL'];
  let sql: SqlTarget;
  let closeDb: (() => Promise<void>) | undefined;
  if (target === 'pglite' && url === undefined) {
    const dir = values['pglite-dir'];
    if (dir === undefined) {
      io.stderr.write('retail-data: --target pglite needs --url (a PGlite socket server) or --pglite-dir DIR\n');
      return 2;
    }
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create({ dataDir: dir });
    sql = pgliteTarget(db);
    closeDb = () => db.close();
  } else if (url === undefined) {
    io.stderr.write(`retail-data: --target ${target} needs --url (or DATABASE_URL)\n`);
    return 2;
  } else {
    sql = target === 'mysql' ? mysqlTarget({ url }) : postgresTarget({ url, name: target });
  }
  try {
    if (!quiet) io.stderr.write(`loading ${describe} into ${target}…\n`);
    const batchSize = number('batch-size', values['batch-size']);
    const report = await loadRetailData(data, sql, {
      mode: (values.mode ?? 'drop') as LoadMode,
      ...(batchSize === undefined ? {} : { batchSize }),
      onProgress: progress,
    });
    io.stdout.write(summary(`loaded into ${target}: ${describe}`, report.rows, report.durationMs));
    return 0;
  } catch (error) {
    io.stderr.write(`retail-data: loading into ${target} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await sql.close();
    await closeDb?.();
  }
}

function summary(title: string, counts: Partial<Record<RetailTableName, number>>, ms: number): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const lines = Object.entries(counts).map(([table, n]) => `  ${table.padEnd(13)} ${n.toLocaleString('en-US').padStart(12)}`);
  const rate = ms > 0 ? Math.round((total / ms) * 1000).toLocaleString('en-US') : '–';
  return `${title}\n${lines.join('\n')}\n  ${'total'.padEnd(13)} ${total.toLocaleString('en-US').padStart(12)} rows in ${(ms / 1000).toFixed(1)} s (${rate} rows/s)\n`;
}

const invokedAs = process.argv[1];
if (invokedAs !== undefined && import.meta.url === pathToFileURL(invokedAs).href) {
  runDataCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`retail-data: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

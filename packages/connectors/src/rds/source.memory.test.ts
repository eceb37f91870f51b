import v8 from 'node:v8';
import vm from 'node:vm';
import Cursor from 'pg-cursor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import { rdsSource } from './source.js';
import { uniqueTableName, rdsTestTargets } from './testing.js';

const ROWS = 1_000_000;
/** A fully materialised result of ROWS rows of this shape takes well over 150 MB of heap. */
const HEAP_BOUND_BYTES = 32 * 1024 * 1024;

/** A full garbage collection, so that samples measure live memory, not garbage V8 has not collected yet. */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const [mariadb, postgres] = await rdsTestTargets();
const targets = [
  {
    ...mariadb,
    fill: (t: string) => `INSERT INTO \`${t}\` SELECT seq, CONCAT('payload-', seq, '-', REPEAT('x', 40)) FROM seq_1_to_${ROWS}`,
  },
  {
    ...postgres,
    fill: (t: string) => `INSERT INTO "${t}" SELECT g, 'payload-' || g || '-' || repeat('x', 40) FROM generate_series(1, ${ROWS}) g`,
  },
];

describe.each(targets)('rdsSource memory on $name', ({ conn, run, fill }) => {
  let admin: SqlClient;
  const table = uniqueTableName('big');

  beforeAll(async () => {
    if (!run) return;
    admin = openSqlClient(conn);
    await admin.query(`CREATE TABLE ${admin.dialect.quoteIdentifier(table)} (id BIGINT PRIMARY KEY, payload VARCHAR(100) NOT NULL)`);
    await admin.query(fill(table));
  }, 120_000);

  afterAll(async () => {
    if (!run) return;
    await admin.query(`DROP TABLE IF EXISTS ${admin.dialect.quoteIdentifier(table)}`);
    await admin.close();
  }, 60_000);

  it.skipIf(!run)(
    'streams a 1M-row table with bounded heap, honouring the fetch size',
    async () => {
      // Record only the requested sizes of pg-cursor reads (a spy would keep every call's arguments alive).
      const sizes: number[] = [];
      const read = Cursor.prototype.read;
      if (conn.dialect === 'postgres') {
        Cursor.prototype.read = function (this: Cursor, maxRows: number, ...rest: unknown[]) {
          sizes.push(maxRows);
          return (read as (...args: unknown[]) => unknown).call(this, maxRows, ...rest);
        } as typeof read;
      }
      gc();
      const baseline = process.memoryUsage().heapUsed;
      let peak = baseline;
      const sampler = setInterval(() => {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 200);
      let count = 0;
      let sum = 0;
      const started = Date.now();
      try {
        const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
        env
          .fromSource(rdsSource({ ...conn, table, partition: { column: 'id', numPartitions: 2 }, fetchSize: 2_000 }), WatermarkStrategy.noWatermarks(), 'big')
          .sinkTo((row) => {
            count++;
            sum += Number(row['id']);
          });
        await env.execute('big scan').done;
      } finally {
        clearInterval(sampler);
        Cursor.prototype.read = read;
      }
      const seconds = (Date.now() - started) / 1000;
      console.log(`${conn.dialect}: ${ROWS} rows in ${seconds.toFixed(1)} s (${Math.round(ROWS / seconds)} rows/s), live heap peak +${((peak - baseline) / 2 ** 20).toFixed(1)} MiB`);
      expect(count).toBe(ROWS);
      expect(sum).toBe((ROWS * (ROWS + 1)) / 2);
      expect(peak - baseline).toBeLessThan(HEAP_BOUND_BYTES);
      if (conn.dialect === 'postgres') {
        expect(sizes.length).toBeGreaterThanOrEqual(ROWS / 2_000);
        expect(sizes.every((size) => size === 2_000)).toBe(true);
      }
    },
    120_000,
  );
});

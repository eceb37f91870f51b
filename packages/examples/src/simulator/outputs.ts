/**
 * Where the simulator's records go: a callback, a JSON-lines file, or the
 * sales database's orders/orderdetails tables (the Kinesis output is in
 * kinesisOutput.ts). An output receives records in time order, in batches;
 * the driver flushes outputs at the end, and whoever built an output closes it.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { ORDER_DETAILS_TABLE, ORDERS_TABLE, quoteIdentifier, type Table } from '../data/contracts.js';
import { insertSql, sqlValue, type SqlTarget } from '../data/load.js';
import type { OrderRecord, SimulatorRecord } from './simulator.js';

/** A destination of simulator records. */
export interface SimulatorOutput {
  /** Takes a batch of records (in time order); a promise pushes back on the driver. */
  write(records: readonly SimulatorRecord[]): void | Promise<void>;
  /** Resolves once everything written has reached the destination. */
  flush?(): Promise<void>;
  /** Flushes and releases what the output opened (never an injected client). */
  close?(): Promise<void>;
}

/** An output that owns resources: flush and close are always there. */
export type ClosableOutput = SimulatorOutput & Required<Pick<SimulatorOutput, 'flush' | 'close'>>;

/**
 * Calls `onRecord` for every record, in order (awaiting it when it returns a promise).
 *
 * ```ts
 * const seen: SimulatorRecord[] = [];
 * await runSimulation(sim, { outputs: [callbackOutput((r) => void seen.push(r))] });
 * ```
 */
export function callbackOutput(onRecord: (record: SimulatorRecord) => void | Promise<void>): SimulatorOutput {
  return {
    async write(records) {
      for (const record of records) {
        const pending = onRecord(record);
        if (pending !== undefined) await pending;
      }
    },
  };
}

/** Options of {@link jsonLinesOutput}. */
export interface JsonLinesOutputOptions {
  /** Also write one line per OrderEvent (default false: session events only, as Kinesis receives them). */
  readonly orders?: boolean;
}

/**
 * Appends one line per session event (valid or malformed: a malformed line
 * may not be JSON) and optionally per order event to a file.
 *
 * ```ts
 * const out = jsonLinesOutput('sessions.jsonl');
 * await runSimulation(sim, { outputs: [out] });
 * await out.close();
 * ```
 */
export function jsonLinesOutput(path: string, options: JsonLinesOutputOptions = {}): ClosableOutput & { readonly path: string } {
  let stream: WriteStream | undefined;
  const open = (): WriteStream => (stream ??= createWriteStream(path, { flags: 'a' }));
  return {
    path,
    async write(records) {
      let text = '';
      for (const record of records) {
        if (record.kind === 'order') {
          if (options.orders === true) for (const event of record.events) text += `${JSON.stringify(event)}\n`;
        } else {
          text += `${record.data}\n`;
        }
      }
      if (text === '') return;
      const s = open();
      if (!s.write(text)) await once(s, 'drain');
    },
    async flush() {
      if (stream === undefined) return;
      const s = stream;
      if (s.writableNeedDrain) await once(s, 'drain');
    },
    async close() {
      if (stream === undefined) return;
      const s = stream;
      stream = undefined;
      await new Promise<void>((resolve, reject) => s.end((error?: Error | null) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * Inserts placed orders into the orders and orderdetails tables (which
 * must exist: `prepareTables(target, [ORDERS_TABLE, ORDER_DETAILS_TABLE], 'append')`),
 * one multi-row INSERT per table and batch.
 *
 * ```ts
 * const orders = databaseOrdersOutput(postgresTarget({ url }));
 * ```
 * Gotchas: order numbers come from the simulator's `firstOrderNumber` —
 * start it at {@link nextOrderNumber} when the table already holds
 * simulated orders; the target is not closed.
 */
export function databaseOrdersOutput(target: SqlTarget): SimulatorOutput {
  const insert = async (table: Table, rows: readonly object[]): Promise<void> => {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    for (const row of rows) for (const column of table.columns) params.push(sqlValue((row as Record<string, unknown>)[column.name]));
    await target.query(insertSql(table, target.dialect, rows.length), params);
  };
  return {
    async write(records) {
      const orders = records.filter((r): r is OrderRecord => r.kind === 'order');
      if (orders.length === 0) return;
      // Bounded statements: a batch of orders at a time.
      for (let i = 0; i < orders.length; i += 500) {
        const chunk = orders.slice(i, i + 500);
        await insert(ORDERS_TABLE, chunk.map((o) => o.order));
        await insert(ORDER_DETAILS_TABLE, chunk.flatMap((o) => o.details));
      }
    },
  };
}

/**
 * The first free orderNumber of a database (1 + the largest, or
 * `atLeast`), for a simulator that writes orders into it.
 */
export async function nextOrderNumber(target: SqlTarget, atLeast = 1): Promise<number> {
  const q = (name: string): string => quoteIdentifier(name, target.dialect);
  const rows = await target.query<{ m: number | string | null }>(`SELECT MAX(${q('orderNumber')}) AS m FROM ${q(ORDERS_TABLE.name)}`);
  const max = rows[0]?.m;
  return Math.max(atLeast, max === null || max === undefined ? 0 : Number(max) + 1);
}

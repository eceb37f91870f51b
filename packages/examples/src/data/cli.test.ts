import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { runDataCli } from './cli.js';
import { retailDataset } from './generator.js';

function io(): { stdout: { write(t: string): void; text: string }; stderr: { write(t: string): void; text: string } } {
  const sink = () => {
    const s = { text: '', write: (t: string) => void (s.text += t) };
    return s;
  };
  return { stdout: sink(), stderr: sink() };
}

describe('retail-data CLI', () => {
  it('counts the rows of every table with --target none', async () => {
    const out = io();
    expect(await runDataCli(['--customers', '200', '--seed', '9', '--quiet'], out)).toBe(0);
    const data = retailDataset({ customers: 200, seed: 9 });
    expect(out.stdout.text).toContain('generated (not loaded): 200 customers, seed 9');
    expect(out.stdout.text).toMatch(new RegExp(`ratings\\s+${[...data.ratings()].length.toLocaleString('en-US')}\\n`));
    expect(out.stderr.text).toBe('');
  });

  it('loads into a PGlite directory and reports the counts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'retail-data-cli-'));
    try {
      const out = io();
      const code = await runDataCli(['--customers', '300', '--ratings-per-customer', '4', '--target', 'pglite', '--pglite-dir', join(dir, 'db')], out);
      expect(out.stderr.text).toContain('customers: 300 rows ✓');
      expect(code).toBe(0);
      expect(out.stdout.text).toContain('loaded into pglite: 300 customers, seed 42');
      const db = await PGlite.create({ dataDir: join(dir, 'db') });
      const { rows } = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM customers');
      await db.close();
      expect(rows[0]?.n).toBe(300);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('exits 2 on bad arguments, naming the problem', async () => {
    const cases: Array<[string[], string]> = [
      [['--customers', 'many'], "--customers must be a number, got 'many'"],
      [['--customers=-5'], 'customers must be an integer >= 0, got -5'],
      [['--target', 'oracle'], "--target must be mysql, postgres, pglite or none, got 'oracle'"],
      [['--mode', 'merge'], "--mode must be drop, truncate or append, got 'merge'"],
      [['--bogus'], "Unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const out = io();
      expect(await runDataCli(args, out), args.join(' ')).toBe(2);
      expect(out.stderr.text).toContain(message);
    }
    const out = io();
    expect(await runDataCli(['--target', 'mysql'], { ...out, env: {} })).toBe(2);
    expect(out.stderr.text).toContain('--target mysql needs --url (or DATABASE_URL)');
  });

  it('prints its usage with --help', async () => {
    const out = io();
    expect(await runDataCli(['--help'], out)).toBe(0);
    expect(out.stdout.text).toContain('--customers N');
  });
});

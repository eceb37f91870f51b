// Crash recovery end to end: the `tributary` CLI runs a stateful job (keyed
// running totals in ValueState, keyed tumbling event-time windows, a
// two-phase-commit file sink) as a child process; it is killed with SIGKILL
// at random points and restarted with `--from-checkpoint latest`. Whatever
// the kill points, the files the sink committed must hold exactly the lines
// of an uninterrupted run: none lost, none duplicated. And when the latest
// checkpoint is truncated or corrupt, the runner says so and restores from
// the previous complete one.
//
// Reproduce a failure with CRASH_SEED=<seed> (and CRASH_RUNS=<n>); the
// message names the kill delays, what each attempt restored and completed,
// and the directory holding the output and checkpoints.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  describeDiff,
  diffLines,
  expectedRunMs,
  oracleLines,
  readCommitted,
  runAndKill,
  runArgs,
  runCli,
  spawnCli,
  summarizeLog,
  type AttemptReport,
  type CommittedOutput,
} from './cliHarness.js';

/** Fixed seeds (CRASH_SEED and CRASH_SEED + 1) unless CRASH_SEED says otherwise; printed with any failure. */
const SEED = Number(process.env.CRASH_SEED ?? 20261124);
/** Crash scenarios tried, half per seed (each is 2–6 real process starts). */
const RUNS = Number(process.env.CRASH_RUNS ?? 6);
/**
 * The fixture at its default pace, on 12 000 records (~1.5 s of work, ~15
 * checkpoints at 100 ms): process start-up (~1.5 s under tsx) dominates
 * each attempt, and a scenario starts the CLI up to 6 times.
 */
const CONFIG = { ...DEFAULT_CONFIG, records: 12_000 };
/** Kill points range over the whole job, its final checkpoint and commit included. */
const MAX_KILL_DELAY_MS = Math.round(expectedRunMs(CONFIG) * 1.2);
const CHECKPOINTING = ['--checkpoint-interval', '100ms', '--from-checkpoint', 'latest'];
/** What a `*.jsonl` listing may show: committed part files only. */
const COMMITTED_NAME = /^part-\d+-\d+-\d+\.jsonl$/;

let workDir: string;
let reference: readonly string[];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tributary-crash-'));
  const out = join(workDir, 'reference-out');
  // --checkpoint-dir without an interval: no periodic checkpoints, only the final one (which commits).
  const run = await runCli(runArgs(out, CONFIG, ['--checkpoint-dir', join(workDir, 'reference-chk')]));
  expect(run.code, run.stderr).toBe(0);
  reference = (await readCommitted(out)).lines;
});

afterAll(async () => {
  // Directories of failed scenarios are kept (their paths are in the failure message).
  const left = workDir === undefined ? [] : await readdir(workDir);
  if (left.every((name) => name.startsWith('reference-'))) await rm(workDir, { recursive: true, force: true });
});

function expectOnlyCommittedFiles(output: CommittedOutput): void {
  expect(output.files.length, `no committed files; hidden files: ${output.hidden.join(', ')}`).toBeGreaterThan(0);
  for (const name of output.files) expect(name).toMatch(COMMITTED_NAME);
}

/** Throws with a readable account unless `output` holds exactly the reference lines. */
function expectReferenceOutput(output: CommittedOutput, context: string): void {
  const diff = diffLines(reference, output.lines);
  if (diff.missing.length > 0 || diff.extra.length > 0) {
    throw new Error(`committed output differs from the uninterrupted run: ${describeDiff(diff, output)}\n${context}`);
  }
  expect(output.lines).toEqual(reference);
}

function describeAttempts(attempts: readonly AttemptReport[], final: ReturnType<typeof summarizeLog>): string {
  const lines = attempts.map(
    (a, i) =>
      `  attempt ${i + 1}: ${a.exitedBeforeKill ? `finished before the kill at +${a.delayMs} ms` : `SIGKILL at +${a.delayMs} ms`}; ` +
      `restored from ${a.restoredFrom ?? 'nothing'}; checkpoints completed: [${a.completedCheckpoints.join(', ')}]` +
      (a.skipped.length > 0 ? `; ${a.skipped.join('; ')}` : ''),
  );
  lines.push(
    `  final run: restored from ${final.restoredFrom ?? 'nothing'}; checkpoints completed: [${final.completedCheckpoints.join(', ')}]` +
      (final.skipped.length > 0 ? `; ${final.skipped.join('; ')}` : ''),
  );
  return lines.join('\n');
}

describe('crash recovery through the tributary CLI', () => {
  it("an uninterrupted run commits exactly the fixture's computed output", () => {
    const expected = oracleLines(CONFIG);
    // One running total per record, one count-and-sum per key and 5 s window (500 records, 10 per key).
    expect(expected).toHaveLength(CONFIG.records + (CONFIG.records / 500) * CONFIG.keys);
    const diff = diffLines(expected, reference);
    expect(diff, `${diff.missing.length} missing, ${diff.extra.length} extra`).toEqual({ missing: [], extra: [] });
  });

  describe.concurrent('the CLI as a child process (tests run side by side)', () => {
    // The reference runs with --checkpoint-dir (its final checkpoint commits); without one, fileSink's
    // docs promise the same: "without checkpoints nothing is committed until the end of a bounded job".
    it('an uninterrupted run without --checkpoint-dir commits its output when the job ends', async () => {
      const dir = await mkdtemp(join(workDir, 'unchecked-'));
      const run = await runCli(runArgs(join(dir, 'out'), CONFIG));
      expect(run.code, run.stderr).toBe(0);
      const output = await readCommitted(join(dir, 'out'));
      expectOnlyCommittedFiles(output);
      expectReferenceOutput(output, `output in ${dir}`);
      await rm(dir, { recursive: true, force: true });
    });

    // Two property streams with their own seeds run side by side: each attempt
    // mostly waits (for start-up or its kill point), so two keep both cores busy.
    it.each([SEED, SEED + 1])(
      'SIGKILL at 1–5 random points, each restart from the latest checkpoint: the committed output equals the uninterrupted run (seed %i)',
      async (seed) => {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.integer({ min: 0, max: MAX_KILL_DELAY_MS }), { minLength: 1, maxLength: 5 }), async (delays) => {
            const dir = await mkdtemp(join(workDir, 'kills-'));
            const out = join(dir, 'out');
            const args = runArgs(out, CONFIG, ['--checkpoint-dir', join(dir, 'chk'), ...CHECKPOINTING]);
            const attempts: AttemptReport[] = [];
            for (const delay of delays) {
              const attempt = await runAndKill(args, delay);
              attempts.push(attempt);
              // The job is done: later kill points would only restart a finished job, as the final run does.
              if (attempt.exitedBeforeKill) break;
            }
            const final = await runCli(args);
            const context = `kill delays (ms after the job started): [${delays.join(', ')}]\n${describeAttempts(attempts, summarizeLog(final.stderr))}\noutput and checkpoints in ${dir}`;
            expect(final.code, `${context}\n${final.stderr}`).toBe(0);
            const output = await readCommitted(out);
            expectOnlyCommittedFiles(output);
            expectReferenceOutput(output, context);
            await rm(dir, { recursive: true, force: true });
          }),
          { numRuns: Math.ceil(RUNS / 2), seed, endOnFailure: true },
        );
      },
      150_000,
    );

    const corruptions = [
      {
        what: 'truncated',
        damage: (state: Buffer): Buffer => state.subarray(0, Math.floor(state.length / 2)),
        reason: /state truncated: \d+ of \d+ bytes/,
      },
      {
        what: 'corrupt',
        damage: (state: Buffer): Buffer => {
          const copy = Buffer.from(state);
          const at = Math.floor(copy.length / 2);
          copy.fill(0x7a, at, Math.min(copy.length, at + 32));
          return copy;
        },
        reason: /state checksum mismatch \(corrupt\)/,
      },
    ] as const;

    it.each(corruptions)(
      'a $what latest checkpoint: the runner logs why it skips it, restores from the previous complete one, and the output is still exact',
      async ({ what, damage, reason }) => {
        const dir = await mkdtemp(join(workDir, `${what}-`));
        const out = join(dir, 'out');
        const chk = join(dir, 'chk');
        const args = runArgs(out, CONFIG, ['--checkpoint-dir', chk, ...CHECKPOINTING, '--log-level', 'info']);

        // Run until a few checkpoints have completed, then kill.
        const first = spawnCli(args);
        await first.started;
        const deadline = Date.now() + 20_000;
        while (summarizeLog(first.stderr()).completedCheckpoints.length < 4) {
          if (Date.now() > deadline) throw new Error(`no 4 checkpoints within 20 s:\n${first.stderr()}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        first.child.kill('SIGKILL');
        const killed = await first.exited;
        expect(killed.signal).toBe('SIGKILL');

        // Damage the newest complete checkpoint's state.
        const complete: { id: number; location: string }[] = [];
        for (const name of await readdir(chk)) {
          const match = /^chk-(\d+)$/.exec(name);
          const exists = await stat(join(chk, name, '_metadata')).then(
            () => true,
            () => false,
          );
          if (match !== null && exists) complete.push({ id: Number(match[1]), location: join(chk, name) });
        }
        complete.sort((a, b) => a.id - b.id);
        expect(complete.length, `complete checkpoints in ${chk}`).toBeGreaterThanOrEqual(2);
        const newest = complete.at(-1)!;
        const previous = complete.at(-2)!;
        const statePath = join(newest.location, 'state');
        await writeFile(statePath, damage(await readFile(statePath)));

        const final = await runCli(args);
        const log = summarizeLog(final.stderr);
        const context = `killed after checkpoints [${summarizeLog(killed.stderr).completedCheckpoints.join(', ')}]; damaged ${statePath} (${what}); final run restored from ${log.restoredFrom ?? 'nothing'}; output and checkpoints in ${dir}`;
        expect(final.code, `${context}\n${final.stderr}`).toBe(0);
        expect(log.skipped, context).toHaveLength(1);
        expect(log.skipped[0], context).toContain(`skipping checkpoint ${newest.location}: `);
        expect(log.skipped[0], context).toMatch(reason);
        expect(log.restoredFrom, context).toBe(previous.id);

        const output = await readCommitted(out);
        expectOnlyCommittedFiles(output);
        expectReferenceOutput(output, context);
        await rm(dir, { recursive: true, force: true });
      },
      60_000,
    );
  });
});

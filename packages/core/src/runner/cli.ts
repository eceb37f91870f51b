#!/usr/bin/env node
/**
 * The `tributary` bin. Everything is in program.ts; this file only wires
 * the process in and exits with the command's code (see EXIT_CODES).
 *
 * ```sh
 * tributary run ./pipelines/clicks.js --config clicks.json --checkpoint-dir ./chk --checkpoint-interval 10s
 * tributary describe ./pipelines/clicks.js --config clicks.json
 * ```
 * From a source checkout: `node --import tsx --conditions=@tributary/source packages/core/src/runner/cli.ts …`
 */
import { runCli } from './program.js';

/** Exits once stdout and stderr have flushed (pipes may be asynchronous). */
function exit(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(exit, (error: unknown) => {
  process.stderr.write(`tributary: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exit(1);
});

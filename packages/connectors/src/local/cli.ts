#!/usr/bin/env node
/**
 * The `tributary-local` bin: wires the process into runLocalCli
 * (cliProgram.ts) and stops the stack on SIGINT or SIGTERM.
 *
 * ```sh
 * tributary-local --bucket lake --stream clicks:2
 * ```
 * From a source checkout: `node --import tsx --conditions=@tributary/source packages/connectors/src/local/cli.ts`
 */
import { runLocalCli } from './cliProgram.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

runLocalCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stopSignal }).then(
  (code) => {
    process.exitCode = code;
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`tributary-local: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

/**
 * @tributary/core/testing — the kit Tributary's own tests use: scripted
 * sources with watermarks and end/abort markers, collecting sinks (and an
 * exactly-once one for recovery tests), a virtual clock for processing time,
 * an operator harness, runToCompletion, polling with waitUntil, and probes
 * for tests against local servers.
 */
export { TestSource, type TestStep, type TestSplit, type TestSourceOptions } from './TestSource.js';
export { TestSink, type TestSinkOptions } from './TestSink.js';
export { ExactlyOnceTestSink, type ExactlyOnceTestSinkOptions, type ExactlyOnceTestSinkWrite } from './ExactlyOnceTestSink.js';
export { TestClock } from './TestClock.js';
export { runToCompletion, runToCompletionWithTimestamps, type RunOptions } from './runToCompletion.js';
export {
  OperatorTestHarness,
  type OperatorTestHarnessOptions,
  type HarnessOutput,
  type HarnessSideRecord,
  type HarnessSnapshot,
} from './OperatorTestHarness.js';
export { waitUntil, WAIT_UNTIL_DEFAULT_TIMEOUT_MS, WAIT_UNTIL_DEFAULT_INTERVAL_MS, type WaitUntilOptions } from './waitUntil.js';
export { isPortOpen, shouldRunAgainst, SERVICES_REQUIRED, PORT_PROBE_TIMEOUT_MS } from './services.js';

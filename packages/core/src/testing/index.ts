/**
 * @tributary/core/testing — the kit Tributary's own tests use: scripted
 * sources with watermarks and end/abort markers, collecting sinks, a virtual
 * clock for processing time, an operator harness, and runToCompletion.
 */
export { TestSource, type TestStep, type TestSplit, type TestSourceOptions } from './TestSource.js';
export { TestSink, type TestSinkOptions } from './TestSink.js';
export { TestClock } from './TestClock.js';
export { runToCompletion, runToCompletionWithTimestamps, type RunOptions } from './runToCompletion.js';
export {
  OperatorTestHarness,
  type OperatorTestHarnessOptions,
  type HarnessOutput,
  type HarnessSideRecord,
  type HarnessSnapshot,
} from './OperatorTestHarness.js';

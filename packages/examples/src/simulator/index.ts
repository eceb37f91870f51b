/**
 * The platform simulator: N concurrent shopper sessions browsing, carting
 * and ordering products of a generated retail dataset, emitting Kinesis
 * session events (with a fraction of malformed ones), order events and
 * order rows; regional demand spikes; deterministic for a seed.
 *
 * ```ts
 * const dataset = retailDataset({ customers: 10_000, seed: 42 });
 * const sim = new PlatformSimulator({ dataset, sessions: 1000, eventsPerSecond: 500, durationMs: 30_000, startTime: Date.now() });
 * const out = kinesisOutput({ client: stack.clients.kinesis, streamName: 'sessions' });
 * const report = await runSimulation(sim, { outputs: [out], pace: 'real-time' });
 * await out.close();
 * ```
 */
export {
  PlatformSimulator,
  type SimulatorRecord,
  type SessionRecord,
  type MalformedRecord,
  type OrderRecord,
  type SimulatorStats,
  type StepAction,
} from './simulator.js';
export {
  resolveSimulatorOptions,
  DEFAULT_SESSIONS,
  DEFAULT_THINK_TIME_MS,
  DEFAULT_DURATION_MS,
  DEFAULT_START_TIME,
  DEFAULT_NEW_VISITOR_FRACTION,
  DEFAULT_STEPS_PER_SESSION,
  DEFAULT_CART_PROBABILITY,
  DEFAULT_REMOVE_PROBABILITY,
  DEFAULT_ORDER_PROBABILITY,
  DEFAULT_MALFORMED_FRACTION,
  DEFAULT_FIRST_ORDER_NUMBER,
  MAX_BROWSE_HISTORY,
  type SimulatorOptions,
  type ResolvedSimulatorOptions,
  type DemandSpike,
} from './options.js';
export { MALFORMED_KINDS, malformedPayload, type MalformedKind } from './malformed.js';
export {
  runSimulation,
  systemClock,
  DEFAULT_DRIVER_BATCH,
  MAX_SLEEP_MS,
  DEFAULT_PROGRESS_INTERVAL_MS,
  type Clock,
  type RunSimulationOptions,
  type SimulationReport,
} from './driver.js';
export { callbackOutput, jsonLinesOutput, databaseOrdersOutput, nextOrderNumber, type SimulatorOutput, type ClosableOutput, type JsonLinesOutputOptions } from './outputs.js';
export {
  kinesisOutput,
  PUT_RECORDS_MAX_RECORDS,
  PUT_RECORDS_MAX_BYTES,
  PUT_RECORDS_MAX_RECORD_BYTES,
  DEFAULT_KINESIS_OUTPUT_IN_FLIGHT,
  type KinesisOutputOptions,
  type KinesisOutputStats,
} from './kinesisOutput.js';

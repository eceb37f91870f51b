/**
 * @tributary/core — a Flink-style dataflow engine for TypeScript: typed
 * streams, event time and watermarks, windows, joins, keyed state and
 * timers, async I/O. Start with `StreamEnvironment.create()`.
 */
// Environment, streams, jobs
export { StreamEnvironment, DEFAULT_BUFFER_SIZE, type StreamEnvironmentOptions } from './api/StreamEnvironment.js';
export { KeyedStream } from './api/KeyedStream.js';
export { DataStream, DataStreamSink, type TransformOptions } from './api/DataStream.js';
export { WindowedStream } from './api/WindowedStream.js';
export {
  ConnectedStreams,
  KeyedConnectedStreams,
  type BroadcastConnectedStreams,
  type KeyedBroadcastConnectedStreams,
} from './api/ConnectedStreams.js';
export { BroadcastStream } from './api/BroadcastStream.js';
export { JobHandle, type JobResult } from './api/JobHandle.js';
export { OutputTag } from './api/OutputTag.js';
export { DEAD_LETTER_TAG, type DeadLetter } from './api/DeadLetter.js';
export type * from './api/functions.js';

// Joins
export { JoinedStreams, JoinWhere, JoinEqualTo, JoinWithWindow, type FlatJoinFunction } from './joins/JoinedStreams.js';
export { CoGroupedStreams, CoGroupWhere, CoGroupEqualTo, CoGroupWithWindow, type TaggedUnion } from './joins/CoGroupedStreams.js';
export { IntervalJoin, IntervalJoined } from './joins/IntervalJoin.js';
export type { IntervalJoinFunction } from './joins/IntervalJoinOperator.js';

// Broadcast state and co-processing
export type {
  BroadcastProcessFunction,
  BroadcastReadOnlyContext,
  BroadcastContext,
} from './operators/broadcastProcess.js';
export type {
  KeyedBroadcastProcessFunction,
  KeyedBroadcastReadOnlyContext,
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedStateOf,
} from './operators/keyedBroadcastProcess.js';
export type { BroadcastState, ReadOnlyBroadcastState } from './state/BroadcastState.js';

// Async I/O
export { AsyncDataStream } from './async/AsyncDataStream.js';
export {
  DEFAULT_ASYNC_CAPACITY,
  type AsyncFunction,
  type AsyncCallContext,
  type AsyncWaitOptions,
  type AsyncRetryOptions,
} from './async/options.js';

// Time
export { WatermarkStrategy, type TimestampAssigner, type WatermarkGenerator } from './time/WatermarkStrategy.js';
export { MIN_WATERMARK, MAX_WATERMARK, NO_TIMESTAMP, hasTimestamp } from './time/watermark.js';
export { SystemClock, systemClock, type Clock, type Cancel } from './time/clock.js';

// Windowing
export { Window, TimeWindow, GlobalWindow } from './windowing/windows.js';
export type { WindowAssigner, MergingWindowAssigner, WindowAssignerContext } from './windowing/assigners/WindowAssigner.js';
export { TumblingEventTimeWindows } from './windowing/assigners/TumblingEventTimeWindows.js';
export { SlidingEventTimeWindows } from './windowing/assigners/SlidingEventTimeWindows.js';
export { EventTimeSessionWindows } from './windowing/assigners/EventTimeSessionWindows.js';
export { TumblingProcessingTimeWindows } from './windowing/assigners/TumblingProcessingTimeWindows.js';
export { SlidingProcessingTimeWindows } from './windowing/assigners/SlidingProcessingTimeWindows.js';
export { ProcessingTimeSessionWindows } from './windowing/assigners/ProcessingTimeSessionWindows.js';
export { GlobalWindows } from './windowing/assigners/GlobalWindows.js';
export type { Trigger, TriggerContext, OnMergeContext } from './windowing/triggers/Trigger.js';
export { TriggerResult } from './windowing/triggers/TriggerResult.js';
export { EventTimeTrigger } from './windowing/triggers/EventTimeTrigger.js';
export { ProcessingTimeTrigger } from './windowing/triggers/ProcessingTimeTrigger.js';
export { CountTrigger } from './windowing/triggers/CountTrigger.js';
export { ContinuousEventTimeTrigger } from './windowing/triggers/ContinuousEventTimeTrigger.js';
export { ContinuousProcessingTimeTrigger } from './windowing/triggers/ContinuousProcessingTimeTrigger.js';
export { PurgingTrigger } from './windowing/triggers/PurgingTrigger.js';
export type { Evictor, EvictorContext, TimestampedValue } from './windowing/evictors/Evictor.js';
export { CountEvictor } from './windowing/evictors/CountEvictor.js';
export { TimeEvictor } from './windowing/evictors/TimeEvictor.js';
export type {
  ProcessWindowFunction,
  ProcessWindowContext,
  WindowFunction,
  UserWindowFunction,
  KeyedStateStore,
} from './windowing/ProcessWindowFunction.js';
export { WindowOperator, type WindowSettings } from './windowing/WindowOperator.js';

// State
export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  type StateDescriptor,
  type StateTtlConfig,
} from './state/descriptors.js';
export type { State, ValueState, ListState, MapState, ReducingState, AggregatingState } from './state/State.js';
export { DEFAULT_MAX_PARALLELISM, keyGroupOf, hashKey } from './state/KeyGroups.js';

// Sources, sinks, operators (for connector and operator authors)
export type {
  Source,
  SourceSplit,
  SourceReader,
  SourceReaderContext,
  ReaderOutput,
  ReaderStatus,
  Boundedness,
  SplitDiscoveryContext,
} from './sources/Source.js';
export type { Sink, SinkWriter, SinkWriterContext, SinkFunction } from './sinks/Sink.js';
export type { StreamOperator, OperatorContext, Output, InternalTimer } from './operators/StreamOperator.js';
export type { InternalTimerService } from './state/InternalTimerService.js';
export type { KeySource } from './state/timers/TimerQueue.js';
export type { KeyedStateAccess } from './state/KeyedStateAccess.js';
export type { OperatorMetricsSnapshot } from './metrics/OperatorMetrics.js';

// Checkpoints, restarts, exactly-once sinks
export {
  LocalCheckpointStorage,
  encodeState,
  decodeState,
  encodeCheckpointFile,
  sha256Hex,
  type EncodedCheckpoint,
  CHECKPOINT_FORMAT_VERSION,
  type LocalCheckpointStorageOptions,
  type CheckpointData,
  type CheckpointInfo,
  type CheckpointStorage,
} from './checkpoint/index.js';
export type { CheckpointStats } from './runtime/CheckpointCoordinator.js';
export { RestartStrategies, type ExponentialDelayOptions, type FailureRateOptions } from './runtime/restartStrategies.js';
export type { RestartStrategy } from './runtime/RestartStrategy.js';
export { fileSink, type FileSinkOptions, type FileCommittable } from './sinks/FileSink.js';
export { jsonLines, csv, type RecordFormat, type CsvColumn, type CsvOptions, type JsonLinesOptions } from './sinks/formats.js';
export { isTwoPhaseCommitSink, type TwoPhaseCommitSink, type TwoPhaseCommitSinkWriter, type Committer } from './sinks/TwoPhaseCommitSink.js';
export type { StreamEnvironmentOptions as EnvironmentOptions, CheckpointingOptions } from './api/StreamEnvironment.js';

// Pipeline definitions for the runner (`tributary run`)
export {
  definePipeline,
  isPipelineDefinition,
  PIPELINE_DEFINITION,
  type PipelineDefinition,
  type PipelineSpec,
  type PipelineDefaults,
} from './runner/definePipeline.js';
export type { PipelineOption, PipelineOptionDefinition } from './runner/pipelineOptions.js';
export type { PipelineGauge, PipelineService, PipelineServices, PipelineStartContext } from './runner/pipelineServices.js';
export { EXIT_CODES } from './runner/exitCodes.js';
export {
  parseSchedule,
  parseInterval,
  parseCron,
  nextCronTime,
  nextRunTime,
  runOnSchedule,
  abortableSleep,
  MIN_INTERVAL_MS,
  CRON_SEARCH_YEARS,
  type Schedule,
  type IntervalSchedule,
  type CronSchedule,
  type RunOnScheduleOptions,
} from './runner/schedule.js';

// Logging
export { defaultLogger, silentLogger, type Logger } from './runtime/Logger.js';

// Errors
export {
  TributaryError,
  UserFunctionError,
  JobFailedError,
  JobCancelledError,
  InvalidProgramError,
} from './errors.js';

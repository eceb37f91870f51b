/**
 * One attempt of a running job: instantiates the job graph (operator
 * instances per subtask, chains, exchanges, input gates), restores state
 * from a checkpoint when given one, opens the operators, starts the sources,
 * takes checkpoints through its CheckpointCoordinator, and finishes when
 * every operator has seen the end of its input — with a final checkpoint so
 * exactly-once sinks commit their last data — and all tracked async work has
 * settled. The first error fails the attempt: sources stop, operators close,
 * `done` rejects. Restarts are the JobMaster's business.
 */
import type { CheckpointData, CheckpointStorage, SubtaskState, SubtaskStateContent } from '../checkpoint/CheckpointData.js';
import { decodeState, encodeState } from '../checkpoint/serialization.js';
import { CHECKPOINT_FORMAT_VERSION } from '../checkpoint/CheckpointData.js';
import { TributaryError } from '../errors.js';
import type { OperatorMetricsSnapshot } from '../metrics/OperatorMetrics.js';
import type { SourceSplit } from '../sources/Source.js';
import type { Clock } from '../time/clock.js';
import { CheckpointCoordinator, type Acknowledgement } from './CheckpointCoordinator.js';
import { ExecutionScope } from './ExecutionScope.js';
import { Exchange, type ExchangeConsumer } from './Exchange.js';
import { InputGate } from './InputGate.js';
import type { JobGraph, JobVertex } from './JobGraph.js';
import type { Logger } from './Logger.js';
import { ChainedTarget, OperatorInstance, type InstanceHost } from './OperatorInstance.js';
import { SourceCoordinator, type SourceCoordinatorState } from './SourceCoordinator.js';
import { SourceTask, type SourceHost } from './SourceTask.js';

export interface JobOptions {
  readonly name: string;
  readonly clock: Clock;
  /** Records per exchange buffer (the channel capacity). */
  readonly bufferSize: number;
  readonly logger: Logger;
  readonly checkpointStorage: CheckpointStorage | undefined;
  readonly checkpointInterval: number | undefined;
  readonly minPauseMs: number;
  readonly checkpointTimeoutMs: number;
  readonly retain: number;
  /** The checkpoint to start from. */
  readonly restore: CheckpointData | undefined;
  readonly allowNonRestoredState: boolean;
  /** The last checkpoint id used so far (ids keep increasing across attempts). */
  readonly lastCheckpointId: number;
}

/** How a job ended. */
export interface JobResult {
  readonly jobName: string;
  readonly status: 'finished' | 'cancelled';
  readonly durationMs: number;
  readonly metrics: readonly OperatorMetricsSnapshot[];
}

type State = 'created' | 'running' | 'finished' | 'failed' | 'cancelled';

/** How long a failed job waits for its sources and operators to close before it reports the failure anyway. */
export const CLOSE_GRACE_MS = 10_000;

/** Resolves when `work` settles or after `ms` (real time), whichever comes first. */
function settleWithin(work: Promise<unknown>, ms: number, onTimeout: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
    timer.unref?.();
    work.finally(() => {
      clearTimeout(timer);
      resolve();
    }).catch(() => {});
  });
}

/** The stable id an operator's state is stored under: its uid, or its name and position in the graph. */
export function operatorId(vertex: JobVertex, index: number): string {
  return vertex.uid ?? `${vertex.name}#${index}`;
}

export class Job implements InstanceHost {
  readonly scope = new ExecutionScope();
  readonly clock: Clock;
  readonly maxParallelism: number;
  readonly startedAt: number;
  readonly done: Promise<JobResult>;
  readonly checkpoints: CheckpointCoordinator;
  private resolveDone!: (result: JobResult) => void;
  private rejectDone!: (error: unknown) => void;
  private state: State = 'created';
  private readonly instances: OperatorInstance[] = [];
  private readonly sourceTasks: SourceTask<unknown>[] = [];
  private readonly coordinators = new Map<number, SourceCoordinator>();
  private finishedInstances = 0;
  private readonly tracked = new Set<Promise<unknown>>();
  private readonly pressure = new Set<Promise<unknown>>();
  private readonly instancesByVertex = new Map<number, OperatorInstance[]>();
  private readonly ids = new Map<number, string>();
  private finalId: number | undefined;

  constructor(
    readonly graph: JobGraph,
    private readonly options: JobOptions,
  ) {
    this.clock = options.clock;
    this.maxParallelism = graph.maxParallelism;
    this.startedAt = options.clock.now();
    graph.vertices.forEach((v, i) => this.ids.set(v.id, operatorId(v, i)));
    this.done = new Promise<JobResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A failed job nobody awaits must not crash the process with an unhandled rejection.
    this.done.catch(() => {});
    this.checkpoints = new CheckpointCoordinator(
      {
        jobName: options.name,
        maxParallelism: graph.maxParallelism,
        expectedAcknowledgements: () => this.instances.length,
        injectBarriers: (id) => this.injectBarriers(id),
        notifyComplete: (id) => this.notifyComplete(id),
      },
      {
        storage: options.checkpointStorage,
        intervalMs: options.checkpointInterval,
        minPauseMs: options.minPauseMs,
        timeoutMs: options.checkpointTimeoutMs,
        retain: options.retain,
        clock: options.clock,
        logger: options.logger,
        // Ids go on from the restored checkpoint, not from the newest stored one: when a newer
        // checkpoint was skipped (corrupt), its id is reused, so exactly-once sinks that name
        // their output by checkpoint id (the file sink's part-<subtask>-<id>) overwrite what it
        // committed instead of committing the replayed records a second time.
        lastId: Math.max(options.lastCheckpointId, options.restore?.checkpointId ?? 0),
      },
    );
  }

  get name(): string {
    return this.options.name;
  }

  /** Builds and starts everything. Errors while restoring or opening fail the job. */
  start(): void {
    this.state = 'running';
    try {
      this.instantiate();
      if (this.options.restore !== undefined) this.applyRestore(this.options.restore);
      for (const instance of this.instances) instance.open();
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.instances.length === 0) {
      this.complete();
      return;
    }
    for (const coordinator of this.coordinators.values()) {
      coordinator.start().catch((error: unknown) => this.fail(error));
    }
    this.checkpoints.start();
  }

  isRunning(): boolean {
    return this.state === 'running';
  }

  fail(error: unknown): void {
    if (this.state !== 'running' && this.state !== 'created') return;
    this.state = 'failed';
    // Report the failure once everything is closed — or after a grace period if
    // closing hangs (a connection pool waiting on a stuck query must not hide the error).
    void settleWithin(this.shutdown(), CLOSE_GRACE_MS, () =>
      this.options.logger.warn({ job: this.options.name, graceMs: CLOSE_GRACE_MS }, 'closing the failed job is taking long; reporting the failure now'),
    ).finally(() => this.rejectDone(error));
  }

  async cancel(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'cancelled';
    await this.shutdown();
    this.resolveDone(this.result('cancelled'));
  }

  backpressure(until: Promise<unknown>): void {
    this.pressure.add(until);
    until.then(
      () => this.pressure.delete(until),
      (error: unknown) => {
        this.pressure.delete(until);
        this.fail(error);
      },
    );
  }

  track(work: Promise<unknown>): void {
    this.tracked.add(work);
    work.then(
      () => {
        this.tracked.delete(work);
        this.maybeComplete();
      },
      (error: unknown) => {
        this.tracked.delete(work);
        this.fail(error);
      },
    );
  }

  instanceFinished(): void {
    this.finishedInstances++;
    this.maybeComplete();
  }

  acknowledgeCheckpoint(checkpointId: number, instance: OperatorInstance, state: Promise<SubtaskState>): void {
    this.checkpoints.acknowledge(checkpointId, this.ack(instance, state));
  }

  finalCheckpointId(): number {
    this.finalId ??= this.checkpoints.lastTriggeredId + 1;
    return this.finalId;
  }

  metrics(): OperatorMetricsSnapshot[] {
    const now = this.clock.now();
    return this.instances.map((i) => i.metrics.snapshot(now));
  }

  /** Records read by the sources so far, and the total when every source knows its size. */
  progress(): { recordsRead: number; bounded: boolean; totalRecords?: number } {
    let recordsRead = 0;
    for (const task of this.sourceTasks) recordsRead += task.recordsEmitted;
    let total: number | undefined = 0;
    let bounded = true;
    for (const vertex of this.graph.vertices) {
      const t = vertex.transformation;
      if (t.kind !== 'source') continue;
      if (t.source.boundedness !== 'bounded') bounded = false;
      total = t.source.sizeHint === undefined || total === undefined ? undefined : total + t.source.sizeHint;
    }
    return total === undefined ? { recordsRead, bounded } : { recordsRead, bounded, totalRecords: total };
  }

  /** The instances of one vertex (for tests). */
  instancesOf(vertexId: number): readonly OperatorInstance[] {
    return this.instancesByVertex.get(vertexId) ?? [];
  }

  private ack(instance: OperatorInstance, state: Promise<SubtaskState>): Acknowledgement {
    // An operator that cannot snapshot (a sink whose pre-commit failed) may have
    // detached data no later checkpoint would cover: fail the job (and restart
    // from the last complete checkpoint), as Flink does.
    state.catch((error: unknown) => this.fail(error));
    const vertex = instance.vertex;
    return { operatorId: this.ids.get(vertex.id) as string, name: vertex.name, parallelism: vertex.parallelism, state };
  }

  private injectBarriers(checkpointId: number): boolean {
    if (this.state !== 'running' || this.finishedInstances > 0) return false;
    if (this.sourceTasks.some((task) => task.hasEnded())) return false;
    for (const task of this.sourceTasks) task.requestBarrier(checkpointId);
    return true;
  }

  private notifyComplete(checkpointId: number): void {
    for (const instance of this.instances) instance.notifyCheckpointComplete(checkpointId);
    for (const task of this.sourceTasks) {
      const result = task.reader.notifyCheckpointComplete?.(checkpointId);
      if (result instanceof Promise) this.track(result);
    }
  }

  private maybeComplete(): void {
    if (this.state !== 'running') return;
    if (this.finishedInstances < this.instances.length || this.tracked.size > 0) return;
    this.complete();
  }

  /** Everything finished: take the final checkpoint (sinks commit), close, resolve. */
  private complete(): void {
    this.state = 'finished';
    this.checkpoints.stop();
    const finish = async (): Promise<void> => {
      if (this.instances.length > 0) {
        const acks = this.instances.map((instance) => this.ack(instance, this.finalStateOf(instance)));
        this.tracked.clear();
        await this.checkpoints.completeFinal(this.finalCheckpointId(), acks);
        await Promise.all([...this.tracked]);
      }
      await this.closeAll();
    };
    finish().then(
      () => this.resolveDone(this.result('finished')),
      (error: unknown) => this.rejectDone(error),
    );
  }

  private finalStateOf(instance: OperatorInstance): Promise<SubtaskState> {
    const t = instance.vertex.transformation;
    if (t.kind === 'source') {
      const coordinator = this.coordinators.get(instance.vertex.id);
      const content: SubtaskStateContent = {
        splits: [],
        ...(instance.subtask === 0 && coordinator !== undefined ? { operator: coordinator.snapshot() } : {}),
      };
      return Promise.resolve({ subtask: instance.subtask, state: encodeState(content) });
    }
    return instance.finalState ?? instance.snapshot(this.finalCheckpointId(), false);
  }

  private result(status: 'finished' | 'cancelled'): JobResult {
    return { jobName: this.options.name, status, durationMs: this.clock.now() - this.startedAt, metrics: this.metrics() };
  }

  private async shutdown(): Promise<void> {
    this.checkpoints.stop();
    for (const coordinator of this.coordinators.values()) coordinator.stop();
    try {
      await this.closeAll();
    } catch {
      // The job already failed or was cancelled; the first error is what counts.
    }
  }

  private async closeAll(): Promise<void> {
    const errors: unknown[] = [];
    for (const task of this.sourceTasks) {
      try {
        await task.reader.close?.();
      } catch (error) {
        errors.push(error);
      }
    }
    for (const instance of this.instances) {
      try {
        await instance.close();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  private instantiate(): void {
    for (const vertex of this.graph.vertices) {
      const list: OperatorInstance[] = [];
      for (let s = 0; s < vertex.parallelism; s++) {
        const operator = vertex.transformation.kind === 'source' ? { processElement() {} } : vertex.transformation.factory();
        const instance = new OperatorInstance(vertex, s, operator, this);
        list.push(instance);
        this.instances.push(instance);
      }
      this.instancesByVertex.set(vertex.id, list);
    }
    for (const vertex of this.graph.vertices) this.wireInputs(vertex);
    for (const vertex of this.graph.vertices) {
      if (vertex.transformation.kind === 'source') this.createSource(vertex);
    }
  }

  private applyRestore(data: CheckpointData): void {
    if (data.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
      throw new TributaryError(
        'CHECKPOINT_FORMAT_UNSUPPORTED',
        `Checkpoint ${data.checkpointId} has format version ${data.formatVersion}; this version of Tributary reads ${CHECKPOINT_FORMAT_VERSION}`,
      );
    }
    if (data.maxParallelism !== this.maxParallelism) {
      throw new TributaryError(
        'CHECKPOINT_INCOMPATIBLE',
        `Checkpoint ${data.checkpointId} was taken with maxParallelism ${data.maxParallelism}, but the job has ${this.maxParallelism}; key groups cannot be remapped`,
      );
    }
    const present = new Set(this.ids.values());
    for (const [id, op] of Object.entries(data.operators)) {
      if (present.has(id)) continue;
      const message = `Checkpoint ${data.checkpointId} has state for operator '${id}' ('${op.name}'), which is not in this job. Set the operator's uid to match, or allow skipping it (allowNonRestoredState / --allow-non-restored-state)`;
      if (!this.options.allowNonRestoredState) throw new TributaryError('STATE_NOT_RESTORED', message);
      this.options.logger.warn({ operatorId: id }, `skipping state: ${message}`);
    }
    for (const vertex of this.graph.vertices) {
      const op = data.operators[this.ids.get(vertex.id) as string];
      if (op === undefined) continue;
      const instances = this.instancesOf(vertex.id);
      const subtasks = op.subtasks.map((s) => decodeState(s.state) as SubtaskStateContent);
      if (vertex.transformation.kind === 'source') {
        const splits = subtasks.flatMap((s) => (s.splits ?? []) as SourceSplit[]);
        const states = subtasks.flatMap((s) => (s.operator === undefined ? [] : [s.operator as SourceCoordinatorState]));
        this.coordinators.get(vertex.id)?.restore(splits, states);
        continue;
      }
      instances.forEach((instance, i) =>
        instance.restore(
          subtasks,
          instance.operator.operatorStateMode === 'union' ? subtasks : subtasks.filter((_, j) => j % instances.length === i),
        ),
      );
    }
    this.options.logger.info({ checkpointId: data.checkpointId, kind: data.kind }, `restored from ${data.kind} ${data.checkpointId}`);
  }

  private wireInputs(vertex: JobVertex): void {
    const consumers = this.instancesOf(vertex.id);
    let gates: InputGate[] | undefined;
    for (const edge of vertex.inputs) {
      const producers = this.instancesOf(edge.source.id);
      if (edge.chained) {
        producers.forEach((producer, s) => {
          const consumer = consumers[s] as OperatorInstance;
          consumer.head = producer.head;
          producer.head.chain.push(consumer);
          producer.addTarget(new ChainedTarget(consumer, edge.inputIndex), edge.tag);
        });
        continue;
      }
      gates ??= consumers.map((c) => new InputGate(c));
      const gateList = gates;
      for (const producer of producers) {
        const ends: ExchangeConsumer[] = gateList.map((gate) => ({ gate, channel: gate.addChannel(edge.inputIndex) }));
        const description = edge.partitioner.kind === 'hash' ? `keyBy before '${vertex.name}'` : vertex.name;
        producer.addTarget(
          new Exchange(edge.partitioner, ends, producer.subtask, this.maxParallelism, this.options.bufferSize, description),
          edge.tag,
        );
      }
    }
  }

  private createSource(vertex: JobVertex): void {
    const t = vertex.transformation;
    if (t.kind !== 'source') return;
    const tasks = this.instancesOf(vertex.id).map((instance, s) => {
      const reader = t.source.createReader({
        subtaskIndex: s,
        parallelism: vertex.parallelism,
        sourceName: vertex.name,
        now: () => this.clock.now(),
      });
      const task = new SourceTask<unknown>(instance, reader, t.watermarkStrategy, this.sourceHost(vertex), t.source.boundedness === 'bounded');
      this.sourceTasks.push(task);
      return task;
    });
    this.coordinators.set(vertex.id, new SourceCoordinator(t.source, tasks, this, vertex.name));
  }

  private sourceHost(vertex: JobVertex): SourceHost {
    return {
      isRunning: () => this.state === 'running',
      waitForCapacity: () => this.waitForCapacity(),
      now: () => this.clock.now(),
      sleep: (ms) => new Promise<void>((resolve) => this.clock.schedule(this.clock.now() + ms, resolve)),
      pollStarted: (at) => {
        this.scope.pollStartedAt = at;
      },
      splitFinished: (id) => this.coordinators.get(vertex.id)?.markFinished(id),
      acknowledgeCheckpoint: (checkpointId, task, splits) => {
        const coordinator = this.coordinators.get(vertex.id);
        const subtask = task.instance.subtask;
        const content: SubtaskStateContent = {
          splits,
          ...(subtask === 0 && coordinator !== undefined ? { operator: coordinator.snapshot() } : {}),
        };
        const state: SubtaskState = { subtask, state: encodeState(content) };
        this.checkpoints.acknowledge(checkpointId, this.ack(task.instance, Promise.resolve(state)));
      },
    };
  }

  private waitForCapacity(): Promise<void> | undefined {
    if (this.pressure.size === 0) return undefined;
    return (async () => {
      while (this.pressure.size > 0 && this.state === 'running') {
        await Promise.allSettled([...this.pressure]);
      }
    })();
  }
}

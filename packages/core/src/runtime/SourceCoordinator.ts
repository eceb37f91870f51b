/**
 * Discovers a source's splits and assigns them round-robin to its readers;
 * re-runs discovery periodically when the source asks for it. Remembers
 * which splits it has handed out (checkpointed), so a restored job neither
 * re-reads finished splits nor loses unfinished ones.
 */
import type { Source, SourceSplit } from '../sources/Source.js';
import type { Clock } from '../time/clock.js';
import type { SourceTask } from './SourceTask.js';

/** The coordinator's checkpointed state. */
export interface SourceCoordinatorState {
  readonly knownSplitIds: readonly string[];
  readonly finishedSplitIds: readonly string[];
}

export interface CoordinatorHost {
  readonly clock: Clock;
  isRunning(): boolean;
  fail(error: unknown): void;
}

export class SourceCoordinator {
  private readonly known = new Set<string>();
  private readonly finished = new Set<string>();
  private next = 0;
  private cancelDiscovery: (() => void) | undefined;
  private stopped = false;
  private restoredSplits: SourceSplit[] = [];

  constructor(
    private readonly source: Source<unknown, SourceSplit>,
    readonly tasks: readonly SourceTask<unknown>[],
    private readonly host: CoordinatorHost,
    private readonly name: string,
  ) {}

  /** Before start: the splits and coordinator state of a restored checkpoint. */
  restore(splits: readonly SourceSplit[], states: readonly SourceCoordinatorState[]): void {
    for (const state of states) {
      for (const id of state.knownSplitIds) this.known.add(id);
      for (const id of state.finishedSplitIds) this.finished.add(id);
    }
    for (const split of splits) this.known.add(split.id);
    this.restoredSplits = [...splits];
  }

  snapshot(): SourceCoordinatorState {
    return { knownSplitIds: [...this.known], finishedSplitIds: [...this.finished] };
  }

  /** Assigns restored and discovered splits, then runs every reader to its end. */
  async start(): Promise<void> {
    this.assign(this.restoredSplits);
    this.restoredSplits = [];
    await this.discover();
    const periodic = this.source.boundedness === 'unbounded' && this.source.discoveryIntervalMs !== undefined;
    if (periodic) this.scheduleDiscovery();
    else for (const task of this.tasks) task.noMoreSplits();
    for (const task of this.tasks) task.prepare();
    await Promise.all(this.tasks.map((task) => task.run().catch((error: unknown) => this.host.fail(error))));
  }

  markFinished(splitId: string): void {
    if (this.known.has(splitId)) this.finished.add(splitId);
  }

  stop(): void {
    this.stopped = true;
    this.cancelDiscovery?.();
    for (const task of this.tasks) task.noMoreSplits();
  }

  private async discover(): Promise<void> {
    const splits = await this.source.discoverSplits({ parallelism: this.tasks.length, finishedSplitIds: this.finished });
    this.assign(splits.filter((split) => !this.known.has(split.id)));
  }

  private assign(splits: readonly SourceSplit[]): void {
    const byTask = new Map<SourceTask<unknown>, SourceSplit[]>();
    for (const split of splits) {
      this.known.add(split.id);
      const task = this.tasks[this.next++ % this.tasks.length] as SourceTask<unknown>;
      const list = byTask.get(task) ?? [];
      list.push(split);
      byTask.set(task, list);
    }
    for (const [task, list] of byTask) task.addSplits(list);
  }

  private scheduleDiscovery(): void {
    const interval = this.source.discoveryIntervalMs as number;
    const clock = this.host.clock;
    this.cancelDiscovery = clock.schedule(clock.now() + interval, () => {
      if (this.stopped || !this.host.isRunning()) return;
      this.discover().then(
        () => this.scheduleDiscovery(),
        (error: unknown) => this.host.fail(new Error(`Split discovery of source '${this.name}' failed`, { cause: error })),
      );
    });
  }
}

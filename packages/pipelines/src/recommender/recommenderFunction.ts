/**
 * The streaming recommender's operator: session events keyed by session id
 * on one input, model updates and order events broadcast on the other.
 * Each event is merged into the session's keyed state (expiring after
 * `sessionTtlMs` without events), counted towards the popular products, and
 * answered at once with a recommendation (see recommender.ts). A model
 * update swaps the model in every parallel instance without a restart.
 *
 * ```ts
 * const recommendations = events
 *   .keyBy((e) => e.session_id)
 *   .connect(controls.broadcast(MODEL_VERSION_STATE))
 *   .process(new RecommenderFunction({ k: 5 }));
 * ```
 * Start-up: until the model source has answered (a model, or why there is
 * none), events are held in keyed state for at most `modelWaitMs` so that
 * the first shoppers get the model's answer rather than the fallback; after
 * that wait they are answered with whatever is there. The model version in
 * use is kept in broadcast state (checkpointed); the artifact itself is not
 * — the model source re-emits it after a restore.
 */
import {
  ListStateDescriptor,
  MapStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastProcessFunction,
  type KeyedBroadcastReadOnlyContext,
  type ListState,
  type Logger,
  type RuntimeContext,
  type ValueState,
} from '@tributary/core';
import type { ModelArtifact } from '../model/artifact.js';
import type { OrderEvent, Recommendation, SessionEvent } from '../retail/events.js';
import type { ModelUpdate } from './modelUpdates.js';
import { Recommender, RecommenderStats, type RecommenderOptions } from './recommender.js';
import { createModelScorer, type Scorer } from './scorer.js';
import { mergeSession, type SessionState } from './session.js';

/** What the broadcast input carries: model updates and order events (popularity). */
export type RecommenderControl = ModelUpdate | { readonly kind: 'order'; readonly order: OrderEvent };

/** The broadcast state: 'version' → the model version in use. */
export const MODEL_VERSION_STATE = new MapStateDescriptor<string, string>('recommender-model-version');

export const DEFAULT_SESSION_TTL_MS = 30 * 60_000;
export const DEFAULT_MODEL_WAIT_MS = 5_000;

/** Options of {@link RecommenderFunction}. */
export interface RecommenderFunctionOptions extends RecommenderOptions {
  /** Sessions without events for this long are forgotten (ms; default 30 minutes). */
  readonly sessionTtlMs?: number;
  /** At start, hold events at most this long for the first model decision (ms; default 5 s; 0 = never hold). */
  readonly modelWaitMs?: number;
  /** Builds the scorer of a model (default: {@link createModelScorer}). */
  readonly scorerFactory?: (artifact: ModelArtifact) => Scorer;
  /** Counts shared by every parallel instance (default: one object per function). */
  readonly stats?: RecommenderStats;
  /** Where model changes and failures are logged. */
  readonly logger?: Logger;
}

/** The keyed broadcast function behind the streaming recommender (see the module comment). */
export class RecommenderFunction implements KeyedBroadcastProcessFunction<string, SessionEvent, RecommenderControl, Recommendation> {
  readonly stats: RecommenderStats;
  private readonly sessionDescriptor: ValueStateDescriptor<SessionState>;
  private readonly pendingDescriptor = new ListStateDescriptor<SessionEvent>('recommender-pending-events');
  private recommender!: Recommender;
  private session!: ValueState<SessionState>;
  private pending!: ListState<SessionEvent>;
  private decided = false;
  private holdUntil: number | undefined;

  constructor(private readonly options: RecommenderFunctionOptions = {}) {
    this.stats = options.stats ?? new RecommenderStats();
    this.sessionDescriptor = new ValueStateDescriptor<SessionState>('recommender-session').enableTimeToLive({
      ttl: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    });
    // Build one now so that bad options fail when the job is defined, not when it runs.
    new Recommender(options);
  }

  open(context: RuntimeContext): void {
    const logger = this.options.logger;
    this.recommender = new Recommender(
      {
        ...this.options,
        onModelProblem: (problem) => {
          logger?.warn({ subtask: context.subtaskIndex, modelVersion: problem.modelVersion, kind: problem.kind }, problem.message);
          this.options.onModelProblem?.(problem);
        },
      },
      this.stats,
    );
    this.session = context.getState(this.sessionDescriptor);
    this.pending = context.getListState(this.pendingDescriptor);
    this.decided = false;
    this.holdUntil = undefined;
  }

  processElement(event: SessionEvent, ctx: KeyedBroadcastReadOnlyContext<string>, out: Collector<Recommendation>): void {
    const now = ctx.currentProcessingTime();
    this.holdUntil ??= now + (this.options.modelWaitMs ?? DEFAULT_MODEL_WAIT_MS);
    if (!this.decided && now < this.holdUntil) {
      this.pending.add(event);
      ctx.timerService().registerProcessingTimeTimer(this.holdUntil);
      return;
    }
    this.answer(ctx.getCurrentKey(), event, out);
  }

  onTimer(_timestamp: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<Recommendation>): void {
    this.flushPending(ctx.getCurrentKey(), out);
  }

  processBroadcastElement(control: RecommenderControl, ctx: KeyedBroadcastContext<string>, out: Collector<Recommendation>): void {
    if (control.kind === 'order') {
      this.recommender.observeOrder(control.order);
      return;
    }
    if (control.kind === 'model') this.useModel(control.version, control.artifact, ctx);
    else this.noModel(control.version, control.reason);
    if (!this.decided) {
      this.decided = true;
      ctx.applyToKeyedState(this.pendingDescriptor, (key) => this.flushPending(key, out));
    }
  }

  private useModel(version: string, artifact: ModelArtifact, ctx: KeyedBroadcastContext<string>): void {
    let scorer: Scorer;
    try {
      scorer = (this.options.scorerFactory ?? createModelScorer)(artifact);
    } catch (error) {
      this.noModel(version, `model ${version} cannot be prepared for scoring: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const previous = this.recommender.modelVersion;
    this.recommender.setModel(scorer);
    ctx.getBroadcastState(MODEL_VERSION_STATE).put('version', version);
    this.options.logger?.info({ modelVersion: version, previous }, previous === undefined ? `serving model ${version}` : `switched from model ${previous} to ${version}`);
  }

  private noModel(version: string | undefined, reason: string): void {
    this.stats.modelLoadFailures++;
    const current = this.recommender.modelVersion;
    const consequence = current === undefined ? 'serving the most popular products' : `still serving model ${current}`;
    this.options.logger?.warn({ modelVersion: version }, `${reason}; ${consequence}`);
  }

  private flushPending(key: string, out: Collector<Recommendation>): void {
    const held = [...this.pending.get()];
    if (held.length === 0) return;
    this.pending.clear();
    for (const event of held) this.answer(key, event, out);
  }

  private answer(sessionId: string, event: SessionEvent, out: Collector<Recommendation>): void {
    const previous = this.session.value();
    const session = mergeSession(previous, event);
    this.session.update(session);
    this.recommender.observe(previous, session);
    out.collect(this.recommender.recommend(sessionId, session, event.event_time));
  }
}

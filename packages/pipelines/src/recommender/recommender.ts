/**
 * The recommender's per-event decision, independent of where it runs (the
 * streaming job's keyed function, the Lambda handlers): score the session
 * with the current model, or serve the most popular products — marked
 * `source: 'fallback'` — when there is no model, when it throws, when it
 * misses its deadline, or while a circuit breaker rests a model that kept
 * failing. Either way the platform gets k distinct product codes (fewer
 * only when fewer are known), never one in the cart.
 *
 * ```ts
 * const recommender = new Recommender({ k: 5, deadlineMs: 50 });
 * recommender.setModel(createModelScorer(artifact));
 * recommender.observe(previous, session, Date.now());
 * const rec = recommender.recommend('session-1', session, event.event_time);
 * ```
 */
import type { OrderEvent, Recommendation } from '../retail/events.js';
import { PopularityTracker, type PopularityOptions } from './popularity.js';
import type { Scorer } from './scorer.js';
import type { SessionState } from './session.js';

/** Why the fallback answered. */
export type FallbackReason = 'no-model' | 'model-error' | 'deadline' | 'circuit-open';

export const DEFAULT_K = 5;
export const DEFAULT_SIMILAR_K = 5;
export const DEFAULT_DEADLINE_MS = 100;
export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_MS = 30_000;
/** The `model_version` of a fallback answer. */
export const FALLBACK_MODEL_VERSION = 'popular';
/** Popularity weights of the signals. */
export const BROWSE_WEIGHT = 1;
export const CART_WEIGHT_POPULARITY = 3;
export const ORDER_WEIGHT_PER_UNIT = 5;

/** How the recommender answers. */
export interface RecommenderOptions {
  /** Recommended items per answer (default 5). */
  readonly k?: number;
  /** Similar items per answer (default 5). */
  readonly similarK?: number;
  /** A model call taking longer than this (ms) is replaced by the fallback (default 100). */
  readonly deadlineMs?: number;
  /** Consecutive model failures (errors or deadline misses) that open the circuit (default 5). */
  readonly failureThreshold?: number;
  /** How long an open circuit serves only the fallback before trying the model again (ms; default 30 s). */
  readonly cooldownMs?: number;
  /** The popular-products tracker's settings. */
  readonly popularity?: PopularityOptions;
  /** Products to fall back on before any traffic or model is seen (most popular first). */
  readonly fallbackProducts?: readonly string[];
  /** Wall clock (ms); default `Date.now`. */
  readonly now?: () => number;
  /** Monotonic clock for deadlines (ms); default `performance.now`. */
  readonly monotonicNow?: () => number;
  /** Told about model failures (errors, deadline misses, circuit changes); default: nothing. */
  readonly onModelProblem?: (problem: ModelProblem) => void;
}

/** A model failure the recommender handled. */
export interface ModelProblem {
  readonly kind: 'error' | 'deadline' | 'circuit-opened';
  readonly modelVersion: string;
  readonly message: string;
  readonly error?: unknown;
}

/** Counts of what the recommender answered (shared by every parallel instance that is given the same object). */
export class RecommenderStats {
  events = 0;
  model = 0;
  fallback = 0;
  readonly fallbackReasons: Record<FallbackReason, number> = { 'no-model': 0, 'model-error': 0, deadline: 0, 'circuit-open': 0 };
  modelsLoaded = 0;
  modelLoadFailures = 0;
  orders = 0;

  /** A plain copy for reports and JSON. */
  snapshot(): RecommenderStatsSnapshot {
    return {
      events: this.events,
      model: this.model,
      fallback: this.fallback,
      fallbackReasons: { ...this.fallbackReasons },
      modelsLoaded: this.modelsLoaded,
      modelLoadFailures: this.modelLoadFailures,
      orders: this.orders,
    };
  }
}

/** {@link RecommenderStats} as plain data. */
export interface RecommenderStatsSnapshot {
  readonly events: number;
  readonly model: number;
  readonly fallback: number;
  readonly fallbackReasons: Readonly<Record<FallbackReason, number>>;
  readonly modelsLoaded: number;
  readonly modelLoadFailures: number;
  readonly orders: number;
}

/** One instance per parallel worker (it keeps the popular products it has seen). */
export class Recommender {
  readonly stats: RecommenderStats;
  private readonly k: number;
  private readonly similarK: number;
  private readonly deadlineMs: number;
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly monotonicNow: () => number;
  private readonly onModelProblem: (problem: ModelProblem) => void;
  private readonly popular: PopularityTracker;
  private readonly fallbackProducts: readonly string[];
  private scorer: Scorer | undefined;
  private consecutiveFailures = 0;
  private circuitOpenUntil = Number.NEGATIVE_INFINITY;

  constructor(options: RecommenderOptions = {}, stats: RecommenderStats = new RecommenderStats()) {
    this.k = count(options.k ?? DEFAULT_K, 'k', 1);
    this.similarK = count(options.similarK ?? DEFAULT_SIMILAR_K, 'similarK', 0);
    this.deadlineMs = positive(options.deadlineMs ?? DEFAULT_DEADLINE_MS, 'deadlineMs');
    this.failureThreshold = count(options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD, 'failureThreshold', 1);
    this.cooldownMs = positive(options.cooldownMs ?? DEFAULT_COOLDOWN_MS, 'cooldownMs');
    this.now = options.now ?? Date.now;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
    this.onModelProblem = options.onModelProblem ?? (() => {});
    this.popular = new PopularityTracker(options.popularity);
    this.fallbackProducts = options.fallbackProducts ?? [];
    this.stats = stats;
  }

  /** The model in use, if any. */
  get modelVersion(): string | undefined {
    return this.scorer?.version;
  }

  /** Starts using a model (closing the circuit); its training-set popularity seeds the fallback. */
  setModel(scorer: Scorer): void {
    this.scorer = scorer;
    this.consecutiveFailures = 0;
    this.circuitOpenUntil = Number.NEGATIVE_INFINITY;
    this.popular.seed(scorer.popularProducts, this.now());
    this.stats.modelsLoaded++;
  }

  /** Counts the session's new browsing and cart additions towards the popular products. */
  observe(previous: SessionState | undefined, session: SessionState, time: number = this.now()): void {
    // A few dozen codes at most: scanning arrays is cheaper than building sets.
    const seen = previous?.browsed ?? [];
    const carted = previous?.cart ?? [];
    for (const code of session.browsed) if (!seen.includes(code) && this.isKnown(code)) this.popular.observe(code, BROWSE_WEIGHT, time);
    for (const code of session.cart) if (!carted.includes(code) && this.isKnown(code)) this.popular.observe(code, CART_WEIGHT_POPULARITY, time);
  }

  /** Counts an order line towards the popular products. */
  observeOrder(order: OrderEvent, time: number = this.now()): void {
    this.stats.orders++;
    if (this.isKnown(order.product_code)) this.popular.observe(order.product_code, ORDER_WEIGHT_PER_UNIT * Math.max(1, order.quantity_ordered), time);
  }

  /** The answer for a session: the model's, or the popular products'. */
  recommend(sessionId: string, session: SessionState, eventTime: number): Recommendation {
    this.stats.events++;
    const scorer = this.scorer;
    if (scorer === undefined) return this.fallback(sessionId, session, eventTime, 'no-model');
    if (this.now() < this.circuitOpenUntil) return this.fallback(sessionId, session, eventTime, 'circuit-open');
    const started = this.monotonicNow();
    let scored;
    try {
      scored = scorer.recommend(session, this.k, this.similarK);
    } catch (error) {
      this.failed(scorer, 'error', `model ${scorer.version} threw: ${error instanceof Error ? error.message : String(error)}`, error);
      return this.fallback(sessionId, session, eventTime, 'model-error');
    }
    const elapsed = this.monotonicNow() - started;
    if (elapsed > this.deadlineMs) {
      this.failed(scorer, 'deadline', `model ${scorer.version} took ${elapsed.toFixed(1)} ms, over the ${this.deadlineMs} ms deadline`);
      return this.fallback(sessionId, session, eventTime, 'deadline');
    }
    if (this.consecutiveFailures > 0) this.consecutiveFailures = 0;
    this.stats.model++;
    return {
      session_id: sessionId,
      customer_number: session.customerNumber,
      recommended_items: scored.recommended.length >= this.k ? scored.recommended.slice(0, this.k) : this.padded(scored.recommended, new Set(session.cart)),
      similar_items: scored.similar,
      model_version: scorer.version,
      source: 'model',
      event_time: eventTime,
      emitted_at: this.now(),
    };
  }

  /** The popular products (none in the cart), as the fallback would serve them now. */
  popularFor(cart: ReadonlySet<string>): string[] {
    return this.padded([], cart);
  }

  private fallback(sessionId: string, session: SessionState, eventTime: number, reason: FallbackReason): Recommendation {
    this.stats.fallback++;
    this.stats.fallbackReasons[reason]++;
    return {
      session_id: sessionId,
      customer_number: session.customerNumber,
      recommended_items: this.popularFor(new Set(session.cart)),
      similar_items: [],
      model_version: FALLBACK_MODEL_VERSION,
      source: 'fallback',
      event_time: eventTime,
      emitted_at: this.now(),
    };
  }

  /** `items` (fewer than k) completed to k with popular products, then catalog/fallback products; distinct, none in the cart. */
  private padded(items: readonly string[], cart: ReadonlySet<string>): string[] {
    const chosen = new Set(items);
    const result = [...items];
    const take = (code: string): void => {
      if (result.length < this.k && !chosen.has(code) && !cart.has(code)) {
        chosen.add(code);
        result.push(code);
      }
    };
    for (const code of this.popular.top(this.k + cart.size + items.length, cart, this.now())) take(code);
    for (const code of this.fallbackProducts) take(code);
    if (this.scorer !== undefined) for (const code of this.scorer.productCodes) take(code);
    return result;
  }

  private isKnown(code: string): boolean {
    return this.scorer === undefined || this.scorer.knows(code);
  }

  private failed(scorer: Scorer, kind: 'error' | 'deadline', message: string, error?: unknown): void {
    this.onModelProblem({ kind, modelVersion: scorer.version, message, ...(error === undefined ? {} : { error }) });
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= this.failureThreshold) {
      this.circuitOpenUntil = this.now() + this.cooldownMs;
      this.consecutiveFailures = 0;
      this.onModelProblem({
        kind: 'circuit-opened',
        modelVersion: scorer.version,
        message: `model ${scorer.version} failed ${this.failureThreshold} times in a row: serving popular products for ${this.cooldownMs} ms`,
      });
    }
  }
}

function count(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

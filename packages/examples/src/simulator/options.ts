/**
 * Options of the platform simulator, their defaults (each a named
 * constant) and the check that applies them.
 */
import type { ProductLine } from '../data/catalog.js';
import { PRODUCT_LINES } from '../data/catalog.js';
import type { RetailDataset } from '../data/generator.js';
import { REGIONS, type Region } from '../data/geography.js';
import { MALFORMED_KINDS, type MalformedKind } from './malformed.js';

/** Concurrent shopper sessions by default. */
export const DEFAULT_SESSIONS = 100;
/** Mean think time between two steps of a session, ms (exponentially distributed). */
export const DEFAULT_THINK_TIME_MS = 2_000;
/** Simulated duration by default, ms. */
export const DEFAULT_DURATION_MS = 60_000;
/** Virtual start time by default (2026-11-23 09:00 UTC); a real-time run usually passes `Date.now()`. */
export const DEFAULT_START_TIME = Date.UTC(2026, 10, 23, 9);
/** Fraction of sessions from new visitors (customer_number null). */
export const DEFAULT_NEW_VISITOR_FRACTION = 0.2;
/** Mean number of steps a session plans (1 + Poisson); checking out ends it earlier. */
export const DEFAULT_STEPS_PER_SESSION = 8;
/** Per step: probability of putting a browsed product into the cart. */
export const DEFAULT_CART_PROBABILITY = 0.25;
/** Per step with a non-empty cart: probability of taking a product out of it. */
export const DEFAULT_REMOVE_PROBABILITY = 0.04;
/** Per step with a non-empty cart (known customers only): probability of placing the order. */
export const DEFAULT_ORDER_PROBABILITY = 0.15;
/** Fraction of emitted session events that are malformed. */
export const DEFAULT_MALFORMED_FRACTION = 0.01;
/**
 * First orderNumber of simulated orders: far above the generated ones
 * (which start at 10100, about `ordersPerCustomer` per customer), below
 * INT's 2^31 - 1.
 */
export const DEFAULT_FIRST_ORDER_NUMBER = 1_000_000_000;
/** browse_history keeps at most this many products (the oldest not in the cart are dropped first). */
export const MAX_BROWSE_HISTORY = 50;

/** A regional demand spike: sessions of `region` browse and cart `productLine` `multiplier` times more during the period. */
export interface DemandSpike {
  readonly region: Region;
  readonly productLine: ProductLine;
  /** > 0; 1 changes nothing. */
  readonly multiplier: number;
  /** Start, ms after the simulation's start. */
  readonly startMs: number;
  readonly durationMs: number;
}

/** Options of the platform simulator. */
export interface SimulatorOptions {
  /** Where shoppers and products come from (customers are drawn by index; nothing is held in memory). */
  readonly dataset: RetailDataset;
  /** Default: the dataset's seed. */
  readonly seed?: number;
  /** Concurrent sessions (default {@link DEFAULT_SESSIONS}); an ending session is replaced by a new one. */
  readonly sessions?: number;
  /** Mean think time, ms (default {@link DEFAULT_THINK_TIME_MS}). Give this or `eventsPerSecond`. */
  readonly thinkTimeMs?: number;
  /** Total events per second: sets the mean think time to sessions / rate. */
  readonly eventsPerSecond?: number;
  /** Simulated duration, ms (default {@link DEFAULT_DURATION_MS}); `Infinity` runs until stopped. */
  readonly durationMs?: number;
  /** Sessions started in all (default unlimited). */
  readonly maxSessions?: number;
  /** Virtual time of the start, ms since the epoch (default {@link DEFAULT_START_TIME}). */
  readonly startTime?: number;
  /** Default {@link DEFAULT_NEW_VISITOR_FRACTION}; 1 when the dataset has no customers. */
  readonly newVisitorFraction?: number;
  /** Default {@link DEFAULT_STEPS_PER_SESSION}. */
  readonly stepsPerSession?: number;
  /** Default {@link DEFAULT_CART_PROBABILITY}. */
  readonly cartProbability?: number;
  /** Default {@link DEFAULT_REMOVE_PROBABILITY}. */
  readonly removeProbability?: number;
  /** Default {@link DEFAULT_ORDER_PROBABILITY}. */
  readonly orderProbability?: number;
  /** Fraction of browse choices drawn by the segment's preferences (default: the dataset's preferenceBias). */
  readonly preferenceBias?: number;
  /** Default {@link DEFAULT_MALFORMED_FRACTION}. */
  readonly malformedFraction?: number;
  /** Which defects malformed events have, by weight (default all equally). */
  readonly malformedKinds?: Readonly<Partial<Record<MalformedKind, number>>>;
  readonly spikes?: readonly DemandSpike[];
  /** Default {@link DEFAULT_FIRST_ORDER_NUMBER}. */
  readonly firstOrderNumber?: number;
  /** Session ids are `<prefix>-<serial>` (default `s<seed>`). */
  readonly sessionIdPrefix?: string;
}

/** The options with every default applied. */
export interface ResolvedSimulatorOptions {
  readonly dataset: RetailDataset;
  readonly seed: number;
  readonly sessions: number;
  readonly thinkTimeMs: number;
  readonly durationMs: number;
  readonly maxSessions: number;
  readonly startTime: number;
  readonly newVisitorFraction: number;
  readonly stepsPerSession: number;
  readonly cartProbability: number;
  readonly removeProbability: number;
  readonly orderProbability: number;
  readonly preferenceBias: number;
  readonly malformedFraction: number;
  readonly malformedKinds: Readonly<Record<MalformedKind, number>>;
  readonly spikes: readonly DemandSpike[];
  readonly firstOrderNumber: number;
  readonly sessionIdPrefix: string;
}

/** Applies the defaults and checks every option, throwing a RangeError that names the broken constraint. */
export function resolveSimulatorOptions(options: SimulatorOptions): ResolvedSimulatorOptions {
  const fail = (message: string): never => {
    throw new RangeError(message);
  };
  const probability = (name: string, value: number): number =>
    Number.isFinite(value) && value >= 0 && value <= 1 ? value : fail(`${name} must be in [0, 1], got ${value}`);
  const positive = (name: string, value: number): number => (value > 0 && !Number.isNaN(value) ? value : fail(`${name} must be > 0, got ${value}`));

  const sessions = options.sessions ?? DEFAULT_SESSIONS;
  if (!Number.isInteger(sessions) || sessions < 1) fail(`sessions must be an integer >= 1, got ${sessions}`);
  if (options.thinkTimeMs !== undefined && options.eventsPerSecond !== undefined) {
    fail('give thinkTimeMs or eventsPerSecond, not both (the rate sets the think time: sessions * 1000 / eventsPerSecond)');
  }
  const thinkTimeMs =
    options.eventsPerSecond !== undefined
      ? (sessions * 1000) / positive('eventsPerSecond', options.eventsPerSecond)
      : positive('thinkTimeMs', options.thinkTimeMs ?? DEFAULT_THINK_TIME_MS);
  if (!Number.isFinite(thinkTimeMs)) fail(`thinkTimeMs must be finite, got ${thinkTimeMs}`);
  const durationMs = positive('durationMs', options.durationMs ?? DEFAULT_DURATION_MS);
  const maxSessions = options.maxSessions ?? Number.POSITIVE_INFINITY;
  if (maxSessions !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxSessions) || maxSessions < 1)) fail(`maxSessions must be an integer >= 1, got ${maxSessions}`);
  const startTime = options.startTime ?? DEFAULT_START_TIME;
  if (!Number.isFinite(startTime)) fail(`startTime must be a finite number of ms, got ${startTime}`);
  const stepsPerSession = options.stepsPerSession ?? DEFAULT_STEPS_PER_SESSION;
  if (!(stepsPerSession >= 1) || !Number.isFinite(stepsPerSession)) fail(`stepsPerSession must be >= 1, got ${stepsPerSession}`);
  const seed = options.seed ?? options.dataset.options.seed;
  if (!Number.isInteger(seed)) fail(`seed must be an integer, got ${seed}`);

  const weights = { ...Object.fromEntries(MALFORMED_KINDS.map((k) => [k, 1])), ...options.malformedKinds } as Record<MalformedKind, number>;
  for (const kind of Object.keys(weights)) {
    if (!(MALFORMED_KINDS as readonly string[]).includes(kind)) fail(`malformedKinds: unknown kind '${kind}' (kinds: ${MALFORMED_KINDS.join(', ')})`);
    const w = weights[kind as MalformedKind];
    if (!(w >= 0) || !Number.isFinite(w)) fail(`malformedKinds.${kind} must be a weight >= 0, got ${w}`);
  }
  const malformedFraction = probability('malformedFraction', options.malformedFraction ?? DEFAULT_MALFORMED_FRACTION);
  if (malformedFraction > 0 && MALFORMED_KINDS.every((k) => weights[k] === 0)) fail('malformedKinds: at least one kind needs a weight > 0');

  const spikes = options.spikes ?? [];
  spikes.forEach((spike, i) => {
    if (!REGIONS.includes(spike.region)) fail(`spikes[${i}].region must be one of ${REGIONS.join(', ')}, got '${spike.region}'`);
    if (!PRODUCT_LINES.includes(spike.productLine)) fail(`spikes[${i}].productLine must be one of ${PRODUCT_LINES.join(', ')}, got '${spike.productLine}'`);
    positive(`spikes[${i}].multiplier`, spike.multiplier);
    if (!(spike.startMs >= 0)) fail(`spikes[${i}].startMs must be >= 0, got ${spike.startMs}`);
    positive(`spikes[${i}].durationMs`, spike.durationMs);
  });
  const firstOrderNumber = options.firstOrderNumber ?? DEFAULT_FIRST_ORDER_NUMBER;
  if (!Number.isInteger(firstOrderNumber) || firstOrderNumber < 1) fail(`firstOrderNumber must be an integer >= 1, got ${firstOrderNumber}`);

  return {
    dataset: options.dataset,
    seed,
    sessions,
    thinkTimeMs,
    durationMs,
    maxSessions,
    startTime,
    newVisitorFraction: options.dataset.options.customers === 0 ? 1 : probability('newVisitorFraction', options.newVisitorFraction ?? DEFAULT_NEW_VISITOR_FRACTION),
    stepsPerSession,
    cartProbability: probability('cartProbability', options.cartProbability ?? DEFAULT_CART_PROBABILITY),
    removeProbability: probability('removeProbability', options.removeProbability ?? DEFAULT_REMOVE_PROBABILITY),
    orderProbability: probability('orderProbability', options.orderProbability ?? DEFAULT_ORDER_PROBABILITY),
    preferenceBias: probability('preferenceBias', options.preferenceBias ?? options.dataset.options.preferenceBias),
    malformedFraction,
    malformedKinds: weights,
    spikes,
    firstOrderNumber,
    sessionIdPrefix: options.sessionIdPrefix ?? `s${seed}`,
  };
}

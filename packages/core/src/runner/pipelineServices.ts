/**
 * What a pipeline's `build` may hand back to the runner besides the
 * dataflow: gauges to export with the job's metrics (`--metrics-port`), and
 * services to run beside the job (a web page, a serving endpoint) that
 * `tributary run` starts before the job and closes after it.
 * `tributary describe` builds the pipeline too but starts nothing.
 *
 * ```ts
 * build(env, config) {
 *   const freshness = buildDataflow(env, config);
 *   return {
 *     gauges: [{ name: 'sales_data_age_seconds', help: 'Age of the newest data', value: () => freshness.ageSeconds() }],
 *     async start({ logger }) {
 *       const server = await serve(config.dashboard.port);
 *       logger.info({ url: server.url }, 'dashboard up');
 *       return { close: () => server.close() };
 *     },
 *   };
 * }
 * ```
 */
import type { Logger } from '../runtime/Logger.js';

/** A gauge: a value read at every scrape. */
export interface PipelineGauge {
  /** The metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`), e.g. `sales_dashboard_data_age_seconds`. */
  readonly name: string;
  /** The `# HELP` text. */
  readonly help: string;
  /** Extra labels besides `job`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The current value; `undefined` leaves the sample out of this scrape (no data yet). */
  value(): number | undefined;
}

/** What `tributary run` hands to a service's `start`. */
export interface PipelineStartContext {
  /** The runner's logger. */
  readonly logger: Logger;
}

/** A started service: closed by the runner once the job has ended. */
export interface PipelineService {
  close(): Promise<void>;
}

/** What `build` may return. */
export interface PipelineServices {
  /** Gauges exported with the job's Prometheus metrics. */
  readonly gauges?: readonly PipelineGauge[];
  /**
   * Starts what runs beside the job; called by `tributary run` after the
   * metrics server and before the job starts. Throwing fails the run
   * (exit code 1) before the job starts.
   */
  start?(context: PipelineStartContext): Promise<PipelineService | void> | PipelineService | void;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Checks what `build` returned: `undefined`, or an object with well-formed
 * gauges (unique name and label set) and an optional `start` function.
 *
 * @throws TypeError naming the pipeline and the broken constraint.
 */
export function checkPipelineServices(pipeline: string, value: unknown): PipelineServices {
  if (value === undefined) return {};
  const where = `pipeline '${pipeline}': build`;
  if (typeof value !== 'object' || value === null) throw new TypeError(`${where} must return nothing or { gauges?, start? }, got ${typeof value}`);
  const services = value as PipelineServices;
  if (services.start !== undefined && typeof services.start !== 'function') throw new TypeError(`${where} returned a start that is not a function`);
  const gauges = services.gauges ?? [];
  if (!Array.isArray(gauges)) throw new TypeError(`${where} returned gauges that are not an array`);
  const seen = new Set<string>();
  gauges.forEach((gauge: PipelineGauge, i) => {
    const at = `${where} returned gauges[${i}]`;
    if (typeof gauge?.name !== 'string' || !METRIC_NAME.test(gauge.name)) throw new TypeError(`${at}.name must match ${METRIC_NAME}, got ${JSON.stringify(gauge?.name)}`);
    if (typeof gauge.help !== 'string') throw new TypeError(`${at}.help must be a string`);
    if (typeof gauge.value !== 'function') throw new TypeError(`${at}.value must be a function`);
    const labels = Object.keys(gauge.labels ?? {});
    const bad = labels.find((l) => !LABEL_NAME.test(l) || l === 'job');
    if (bad !== undefined) throw new TypeError(`${at}.labels: '${bad}' is not a usable label name (job is set by the runner)`);
    const id = `${gauge.name}${JSON.stringify(Object.entries(gauge.labels ?? {}).sort())}`;
    if (seen.has(id)) throw new TypeError(`${at}: the gauge ${gauge.name} with these labels is declared twice`);
    seen.add(id);
  });
  return services;
}

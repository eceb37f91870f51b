/**
 * The runner's structured logger: pino, JSON lines on stderr (stdout stays
 * free for the pipeline's own output), at the `--log-level` given. Values
 * under credential-like keys (password, secretAccessKey, sessionToken,
 * authorization, apiKey, …) are replaced by `[redacted]` at any depth, so
 * a config or client options can be logged as they are.
 *
 * ```ts
 * const logger = createLogger({ level: 'debug' });
 * logger.info({ config }, 'starting'); // config.s3.secretAccessKey → "[redacted]"
 * ```
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The accepted `--log-level` values, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What replaces a redacted value. */
export const REDACTED = '[redacted]';

/** Keys whose values never reach a log (compared lower-case, without `-` and `_`). */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'pwd',
  'secret',
  'secretaccesskey',
  'awssecretaccesskey',
  'sessiontoken',
  'awssessiontoken',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'token',
  'authorization',
  'proxyauthorization',
  'apikey',
  'xapikey',
  'clientsecret',
  'privatekey',
  'credentials',
  'cookie',
  'setcookie',
  'connectionstring',
]);

/** Whether a key names a credential: `password`, `dbPassword`, `secret_access_key`, `X-Api-Key`, `Authorization`, … */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEYS.has(k) || k.endsWith('password') || k.endsWith('secret') || k.endsWith('token') || k.endsWith('apikey');
}

const MAX_DEPTH = 8;

/**
 * A copy of `value` with credential-like keys redacted at any depth. Errors
 * are kept as they are (pino serialises them); cycles and very deep values
 * are cut.
 */
export function redactSecrets(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value !== 'object' || value === null || value instanceof Error) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((item) => redactSecrets(item, depth + 1, seen));
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) copy[k] = isSecretKey(k) ? REDACTED : redactSecrets(v, depth + 1, seen);
    out = copy;
  } else {
    out = value; // class instances (Dates, clients, URLs…): leave to their own serialisation
  }
  seen.delete(value);
  return out;
}

/** Options of `createLogger`. */
export interface CreateLoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go (default: stderr, written synchronously so nothing is lost at exit). */
  readonly destination?: DestinationStream;
  /** Fields on every line (e.g. `{ job: 'clicks' }`). */
  readonly base?: Record<string, unknown>;
}

/** Creates the runner's logger. It satisfies the engine's `Logger` interface. */
export function createLogger(options: CreateLoggerOptions = {}): PinoLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** Whether `text` is a valid `--log-level`. */
export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

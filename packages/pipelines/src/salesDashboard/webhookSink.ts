/**
 * A webhook sink: each record POSTed as JSON to an HTTP(S) endpoint (the
 * dashboard sends its demand-spike alerts this way, to a chat hook or an
 * incident tool). Built on the connectors' async sink base with one record
 * per request, which owns what webhooks need too: a bounded number of
 * requests in flight, backpressure once `maxBufferedRecords` wait, retries
 * with exponential backoff and jitter, and a flush at every checkpoint and
 * at the end — so delivery is at-least-once.
 *
 * Retried: HTTP 408, 429 and 5xx answers, network errors (refused or
 * dropped connections, DNS) and attempts that take longer than
 * `timeoutMs`. Any other answer outside 2xx fails the job at once (a 4xx
 * will not heal by itself). After `retry.maxAttempts` the job fails with an
 * `AsyncSinkError` (`SINK_RETRIES_EXHAUSTED`) whose message names the
 * endpoint's origin and the last answer.
 *
 * Secrets: header values (tokens) and the URL's path, query and user info
 * (webhook URLs often carry a token) appear in no message or error; only
 * the origin (`https://hooks.example.com`) does.
 */
import { TributaryError, type Sink, type SinkWriterContext } from '@tributary/core';
import { AsyncSinkWriter, type AsyncSinkRetryOptions, type AsyncSinkService } from '@tributary/connectors/batching';

/** How long one attempt may take before it is abandoned and retried, ms. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Requests in flight per writer: webhook receivers are seldom built for bursts. */
export const DEFAULT_WEBHOOK_MAX_IN_FLIGHT = 4;
/** Records waiting per writer before `write` pushes back on the job. */
export const DEFAULT_WEBHOOK_MAX_BUFFERED = 100;
/** Attempts per record, the first included. */
export const DEFAULT_WEBHOOK_MAX_ATTEMPTS = 6;
/** First backoff between attempts, ms (doubling, with jitter). */
export const DEFAULT_WEBHOOK_INITIAL_BACKOFF_MS = 250;
/** Longest backoff between attempts, ms: six attempts span about 4–8 s. */
export const DEFAULT_WEBHOOK_MAX_BACKOFF_MS = 5_000;
/**
 * Largest request body, bytes. Webhooks have no common limit; 1 MiB is
 * far above an alert (about 600 bytes) and within what receivers accept.
 */
export const WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;
/** The header that carries `idempotencyKey` (the IETF `Idempotency-Key` draft). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Options of {@link webhookSink}. */
export interface WebhookSinkOptions<T> {
  /** The endpoint, http: or https:. */
  readonly url: string;
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }`; their values are never logged or put in errors. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per attempt, ms (default {@link DEFAULT_WEBHOOK_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** Default {@link DEFAULT_WEBHOOK_MAX_IN_FLIGHT}. */
  readonly maxInFlightRequests?: number;
  /** Default {@link DEFAULT_WEBHOOK_MAX_BUFFERED}. */
  readonly maxBufferedRecords?: number;
  /** Default: {@link DEFAULT_WEBHOOK_MAX_ATTEMPTS} attempts, backoff from {@link DEFAULT_WEBHOOK_INITIAL_BACKOFF_MS} to {@link DEFAULT_WEBHOOK_MAX_BACKOFF_MS}. */
  readonly retry?: AsyncSinkRetryOptions;
  /** The body of a record (default `JSON.stringify`). */
  readonly serializer?: (value: T) => string;
  /**
   * Sent as the `Idempotency-Key` header, the same on every attempt, so a
   * receiver can drop the duplicates at-least-once delivery may bring.
   */
  readonly idempotencyKey?: (value: T) => string;
}

/** The codes of a {@link WebhookError}. */
export type WebhookErrorCode =
  /** The endpoint answered outside 2xx (`status` says how). */
  | 'WEBHOOK_HTTP_STATUS'
  /** No answer: the connection was refused or dropped, or the name did not resolve. */
  | 'WEBHOOK_NETWORK'
  /** No answer within `timeoutMs`. */
  | 'WEBHOOK_TIMEOUT';

/**
 * One failed webhook attempt; `retryable` says whether the sink tries again.
 * After the last attempt it is the `cause` of the sink's `AsyncSinkError`.
 */
export class WebhookError extends TributaryError {
  override name = 'WebhookError';
  declare readonly code: WebhookErrorCode;
  /** The HTTP status, for `WEBHOOK_HTTP_STATUS`. */
  readonly status: number | undefined;

  constructor(
    code: WebhookErrorCode,
    message: string,
    options: { readonly cause?: unknown; readonly retryable: boolean; readonly status?: number },
  ) {
    super(code, message, options);
    this.status = options.status;
  }
}

interface WebhookRequest {
  readonly body: string;
  readonly key: string | undefined;
}

/** What may follow a header name (RFC 9110 token) and be a header value (no control characters but tab). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The code of a network error as undici reports it (`cause.code`), or its message. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A sink that POSTs every record as JSON to `url`.
 *
 * ```ts
 * alerts.sinkTo(webhookSink<SpikeAlert>({
 *   url: 'https://hooks.example.com/services/T000/B000',
 *   headers: { authorization: `Bearer ${process.env.HOOK_TOKEN}` },
 *   idempotencyKey: (a) => a.alert_id,
 * }));
 * ```
 * Gotchas: at-least-once — a record may arrive twice (a timeout after the
 * receiver got it, a restart from a checkpoint); send an `idempotencyKey`.
 * With more than one request in flight records may arrive out of order.
 * Redirects are followed (fetch's default).
 *
 * @throws RangeError for a URL that is not http(s), a bad header name or
 *   value (the message names the header, never its value), or bad limits.
 */
export function webhookSink<T>(options: WebhookSinkOptions<T>): Sink<T> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new RangeError('webhook: url must be an absolute http: or https: URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RangeError(`webhook: url must be an http: or https: URL, got ${url.protocol}`);
  const origin = url.origin;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`webhook: timeoutMs must be a whole number of milliseconds > 0, got ${timeoutMs}`);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new RangeError(`webhook: header name '${name}' is not a valid HTTP header name`);
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) throw new RangeError(`webhook: the value of header '${name}' must be a string without control characters`);
    headers[name.toLowerCase()] = value;
  }
  const serialize = options.serializer ?? ((value: T): string => JSON.stringify(value));
  const keyOf = options.idempotencyKey;
  const tuning = {
    maxInFlightRequests: options.maxInFlightRequests ?? DEFAULT_WEBHOOK_MAX_IN_FLIGHT,
    maxBufferedRecords: options.maxBufferedRecords ?? DEFAULT_WEBHOOK_MAX_BUFFERED,
    maxTimeInBufferMs: 0,
    retry: {
      maxAttempts: options.retry?.maxAttempts ?? DEFAULT_WEBHOOK_MAX_ATTEMPTS,
      initialBackoffMs: options.retry?.initialBackoffMs ?? DEFAULT_WEBHOOK_INITIAL_BACKOFF_MS,
      maxBackoffMs: options.retry?.maxBackoffMs ?? Math.max(DEFAULT_WEBHOOK_MAX_BACKOFF_MS, options.retry?.initialBackoffMs ?? 0),
    },
  };
  const limits = { maxBatchSize: 1, maxBatchSizeBytes: WEBHOOK_MAX_BODY_BYTES, maxRecordSizeBytes: WEBHOOK_MAX_BODY_BYTES };

  const service: AsyncSinkService<T, WebhookRequest> = {
    toEntry: (value) => ({ body: serialize(value), key: keyOf?.(value) }),
    sizeOf: (entry) => Buffer.byteLength(entry.body),
    async submit(entries, signal) {
      const entry = entries[0] as WebhookRequest;
      const timeout = AbortSignal.timeout(timeoutMs);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: entry.key === undefined ? headers : { ...headers, [IDEMPOTENCY_KEY_HEADER]: entry.key },
          body: entry.body,
          signal: AbortSignal.any([signal, timeout]),
        });
      } catch (error) {
        if (signal.aborted) throw error; // the writer is closing
        if (timeout.aborted) throw new WebhookError('WEBHOOK_TIMEOUT', `POST to ${origin} got no answer within ${timeoutMs} ms`, { retryable: true });
        throw new WebhookError('WEBHOOK_NETWORK', `POST to ${origin} failed: ${networkReason(error)}`, { retryable: true });
      }
      await response.body?.cancel().catch(() => undefined); // the answer's body is not read: free the connection
      if (response.ok) return [];
      const status = `${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
      throw new WebhookError('WEBHOOK_HTTP_STATUS', `POST to ${origin} answered ${status}`, { retryable: isRetryableStatus(response.status), status: response.status });
    },
    isRetryable: (error) => error instanceof WebhookError && error.retryable,
  };
  return {
    createWriter: (context: SinkWriterContext) => new AsyncSinkWriter(service, { limits, ...tuning, name: `${context.sinkName} (webhook ${origin})` }),
  };
}

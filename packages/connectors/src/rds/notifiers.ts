/**
 * Schema-change notifiers: a logger notifier, a webhook notifier (POSTs the
 * event as JSON with Node's fetch), an SNS-shaped one (hands a
 * PublishCommand-shaped message to your callback, so the connector needs no
 * SNS client), and a combinator that sends to several.
 */
import { defaultLogger, type Logger } from '@tributary/core';
import { RdsError, errorMessage } from './errors.js';
import type { SchemaChangeEvent, SchemaChangeNotifier } from './schema.js';

/**
 * Logs each event: failures at error level, tolerated changes at warn.
 *
 * ```ts
 * rdsSource({ ...conn, table: 'customers', schema, notifier: loggerNotifier(pino()) });
 * ```
 */
export function loggerNotifier(logger: Logger = defaultLogger): SchemaChangeNotifier {
  return {
    notify(event) {
      const fields = { table: event.table, source: event.source, missing: event.missing, extra: event.extra, changed: event.changed };
      if (event.outcome === 'failed') logger.error(fields, event.message);
      else logger.warn(fields, event.message);
    },
  };
}

/** How long a webhook call may take before it is abandoned (ms). */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

export interface WebhookNotifierOptions {
  /** Where to POST the event (JSON body, `content-type: application/json`). */
  readonly url: string | URL;
  /** Extra headers, e.g. an authorization token (never logged). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Abandon the call after this long (default {@link DEFAULT_WEBHOOK_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** The fetch to use (default: Node's global fetch). */
  readonly fetch?: typeof fetch;
}

/**
 * POSTs each event as JSON to a URL; a non-2xx answer or a timeout rejects
 * (and the schema check logs it without hiding the mismatch).
 *
 * ```ts
 * const notifier = webhookNotifier({ url: 'https://hooks.example.com/schema', headers: { authorization: `Bearer ${token}` } });
 * ```
 * The body is the {@link SchemaChangeEvent} itself. Slack-style hooks that want
 * `{ text }` can be served by a custom notifier around `event.message`.
 */
export function webhookNotifier(options: WebhookNotifierOptions): SchemaChangeNotifier {
  const url = new URL(options.url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`webhookNotifier timeoutMs must be > 0, got ${timeoutMs}`);
  const send = options.fetch ?? fetch;
  return {
    async notify(event) {
      let response: Response;
      try {
        response = await send(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new RdsError('RDS_QUERY_FAILED', `Schema-change webhook ${url.origin}${url.pathname} failed: ${errorMessage(error)}`, { cause: error, retryable: true });
      }
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) {
        throw new RdsError('RDS_QUERY_FAILED', `Schema-change webhook ${url.origin}${url.pathname} answered ${response.status}`, { retryable: response.status >= 500 });
      }
    },
  };
}

/** SNS limits a message subject to 100 ASCII characters. */
export const SNS_SUBJECT_MAX_LENGTH = 100;

/**
 * An SNS `Publish` request, shaped like `PublishCommandInput` of
 * @aws-sdk/client-sns (the fields this notifier sets).
 */
export interface SnsPublishInput {
  readonly TopicArn?: string;
  readonly Subject: string;
  /** The event as JSON. */
  readonly Message: string;
  readonly MessageAttributes: Readonly<Record<string, { readonly DataType: 'String'; readonly StringValue: string }>>;
}

/** Publishes a message, e.g. `(input) => sns.send(new PublishCommand(input))`. */
export type SnsPublish = (input: SnsPublishInput) => Promise<unknown>;

/**
 * Sends each event through an SNS-shaped callback: subject (≤ 100 chars),
 * the event as the JSON message, and `table` / `outcome` message attributes
 * for subscription filters.
 *
 * ```ts
 * import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
 * const sns = new SNSClient({});
 * const notifier = snsNotifier((input) => sns.send(new PublishCommand(input)), { topicArn: 'arn:aws:sns:eu-west-1:123456789012:schema-changes' });
 * ```
 */
export function snsNotifier(publish: SnsPublish, options: { readonly topicArn?: string } = {}): SchemaChangeNotifier {
  return {
    async notify(event) {
      const subject = `Schema ${event.outcome === 'failed' ? 'mismatch' : 'change'}: ${event.table}`.replace(/[^\x20-\x7e]/g, '?');
      await publish({
        ...(options.topicArn === undefined ? {} : { TopicArn: options.topicArn }),
        Subject: subject.slice(0, SNS_SUBJECT_MAX_LENGTH),
        Message: JSON.stringify(event),
        MessageAttributes: {
          table: { DataType: 'String', StringValue: event.table },
          outcome: { DataType: 'String', StringValue: event.outcome },
        },
      });
    },
  };
}

/**
 * Sends each event to every notifier (all are called even if one fails; the first failure is rethrown).
 *
 * ```ts
 * const notifier = combineNotifiers(loggerNotifier(), webhookNotifier({ url }));
 * ```
 */
export function combineNotifiers(...notifiers: readonly SchemaChangeNotifier[]): SchemaChangeNotifier {
  return {
    async notify(event: SchemaChangeEvent) {
      const results = await Promise.allSettled(notifiers.map(async (n) => n.notify(event)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}

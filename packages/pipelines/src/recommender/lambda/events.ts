/**
 * The AWS Lambda event and response shapes the recommender's handlers
 * take and return, written by hand (the subset they use, field names as AWS
 * documents them) so the package needs no `@types/aws-lambda`:
 * the Kinesis event-source event and its partial-batch response
 * (`ReportBatchItemFailures`), and the Firehose data-transformation event
 * and its response.
 *
 * ```ts
 * const event: KinesisStreamEvent = JSON.parse(readFileSync('fixtures/kinesis-event.json', 'utf8'));
 * const response: KinesisStreamBatchResponse = await kinesisHandler(event);
 * ```
 */

/** The Kinesis record inside a Kinesis event-source record. */
export interface KinesisStreamRecordPayload {
  /** The record's bytes, base64. */
  readonly data: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  /** When Kinesis received the record, in seconds since the epoch (with a fraction). */
  readonly approximateArrivalTimestamp: number;
  readonly kinesisSchemaVersion: string;
  readonly encryptionType?: string;
}

/** One record of a Kinesis event-source event. */
export interface KinesisStreamRecord {
  readonly kinesis: KinesisStreamRecordPayload;
  readonly eventSource: string;
  readonly eventVersion?: string;
  /** `shardId-000000000000:<sequence number>`. */
  readonly eventID: string;
  readonly eventName?: string;
  /** `arn:aws:kinesis:<region>:<account>:stream/<name>`. */
  readonly eventSourceARN: string;
  readonly invokeIdentityArn?: string;
  readonly awsRegion: string;
}

/** What Lambda passes to a function mapped to a Kinesis stream. */
export interface KinesisStreamEvent {
  readonly Records: readonly KinesisStreamRecord[];
}

/** One record Lambda should send again (its sequence number). */
export interface KinesisBatchItemFailure {
  readonly itemIdentifier: string;
}

/**
 * The partial-batch response (`FunctionResponseTypes: ['ReportBatchItemFailures']`):
 * Lambda checkpoints before the lowest sequence number listed and retries
 * from there; an empty list means the whole batch succeeded.
 */
export interface KinesisStreamBatchResponse {
  readonly batchItemFailures: KinesisBatchItemFailure[];
}

/** Where a Firehose record came from when the delivery stream reads a Kinesis stream. */
export interface FirehoseRecordMetadata {
  readonly shardId: string;
  readonly partitionKey: string;
  readonly approximateArrivalTimestamp: number | string;
  readonly sequenceNumber: string;
  readonly subsequenceNumber: number | string;
}

/** One record of a Firehose data-transformation event. */
export interface FirehoseTransformationEventRecord {
  readonly recordId: string;
  /** Milliseconds since the epoch. */
  readonly approximateArrivalTimestamp: number;
  /** The record's bytes, base64. */
  readonly data: string;
  readonly kinesisRecordMetadata?: FirehoseRecordMetadata | null;
}

/** What Firehose passes to its data-transformation function. */
export interface FirehoseTransformationEvent {
  readonly invocationId: string;
  readonly deliveryStreamArn: string;
  readonly sourceKinesisStreamArn?: string;
  readonly region: string;
  readonly records: readonly FirehoseTransformationEventRecord[];
}

/**
 * What became of a record: `Ok` (transformed), `Dropped` (intentionally no
 * output) or `ProcessingFailed` (Firehose writes it to the error output).
 */
export type FirehoseRecordTransformationStatus = 'Ok' | 'Dropped' | 'ProcessingFailed';

/** One record of the transformation's answer. */
export interface FirehoseTransformationResultRecord {
  readonly recordId: string;
  readonly result: FirehoseRecordTransformationStatus;
  /** The output bytes, base64. */
  readonly data: string;
}

/** The transformation's answer: every input recordId exactly once. */
export interface FirehoseTransformationResult {
  readonly records: FirehoseTransformationResultRecord[];
}

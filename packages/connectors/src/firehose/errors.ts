/**
 * How the Firehose sink classifies PutRecordBatch entry errors: Firehose
 * reports `ServiceUnavailableException` and `InternalFailure` per entry
 * (worth retrying), and KMS errors for encrypted streams, most of which no
 * retry can fix.
 */

/** Per-entry error codes that retrying cannot fix: the job fails at once (non-retryable). */
export const NON_RETRYABLE_ENTRY_ERRORS: ReadonlySet<string> = new Set([
  'KMS.AccessDeniedException',
  'KMS.DisabledException',
  'KMS.InvalidStateException',
  'KMS.NotFoundException',
  'KMS.OptInRequired',
  'KMS.InvalidKMSResourceException',
]);

/**
 * Whether an entry rejected with `code` may be accepted if sent again.
 *
 * ```ts
 * isRetryableEntryError('ServiceUnavailableException'); // true
 * isRetryableEntryError('KMS.DisabledException'); // false
 * ```
 */
export function isRetryableEntryError(code: string): boolean {
  return !NON_RETRYABLE_ENTRY_ERRORS.has(code);
}

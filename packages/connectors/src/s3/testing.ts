/**
 * Test support for the S3 connectors (used by their tests, not exported
 * from the package index): the local stack with S3 alone, and fresh
 * buckets on it.
 *
 * ```ts
 * let stack: LocalStack;
 * beforeAll(async () => (stack = await startLocalS3Stack()), 60_000);
 * afterAll(() => stack?.stop());
 * const bucket = await createTestBucket(stack, 'sink');
 * ```
 */
import { startLocalStack, type LocalStack } from '../local/index.js';

/** Starts the local stack with S3 only (no Kinesis, Firehose or PostgreSQL). */
export function startLocalS3Stack(): Promise<LocalStack> {
  return startLocalStack({ kinesis: false, firehose: false, postgres: false });
}

const created = new Map<string, number>();

/** Creates the bucket `${prefix}-${n}-${time}` (n counts the buckets of that prefix, from 0) on the stack; resolves with its name. */
export async function createTestBucket(stack: LocalStack, prefix: string): Promise<string> {
  const n = created.get(prefix) ?? 0;
  created.set(prefix, n + 1);
  const bucket = `${prefix}-${n}-${Date.now() % 100_000}`;
  await stack.createBucket(bucket);
  return bucket;
}

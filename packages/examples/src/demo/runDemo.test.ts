/**
 * The demo end to end on the embedded local stack, small: database →
 * training set → model → streaming recommendations → Kinesis, S3 (through
 * Firehose) and the serving endpoint, with malformed events quarantined.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readManifest, loadLatestModel, type QuarantinedEvent, type Recommendation } from '@tributary/pipelines';
import { describe, expect, it } from 'vitest';
import { parseDemoOptions } from './options.js';
import { runDemo } from './runDemo.js';

describe('the demo', () => {
  it('runs database → training set → model → streaming recommendations to S3 and the serving endpoint, and exits 0', { timeout: 240_000 }, async () => {
    const printed: string[] = [];
    const options = parseDemoOptions(['--customers', '300', '--sessions', '100', '--duration', '6', '--seed', '7']);
    const outcome = await runDemo(options, { write: (t: string) => printed.push(t) }, async ({ infra, streaming }) => {
      const s3 = infra.s3;
      const bucket = options.bucket;
      // The training set and the model are on S3.
      const manifest = await readManifest(s3, bucket, 'training-set/');
      expect(manifest?.counts.valid).toBeGreaterThan(1_000);
      const model = await loadLatestModel({ client: s3, bucket, prefix: 'recommender/' });
      expect(model?.version).toMatch(/^\d{4}-/);
      // Every answer came from that model; delivered through Firehose as JSON Lines.
      const delivered = await linesWhen(s3, bucket, 'recommendations/', (n) => n >= streaming.stats.events);
      const recommendations = delivered.map((l) => JSON.parse(l) as Recommendation);
      expect(recommendations.length).toBe(streaming.stats.events);
      for (const rec of recommendations) {
        expect(rec.model_version).toBe(model!.version);
        expect(new Set(rec.recommended_items).size).toBe(5);
      }
      // The serving endpoint has the newest answer of a session.
      const newest = recommendations.filter((r) => r.session_id === recommendations[0]!.session_id).sort((a, b) => b.event_time - a.event_time)[0]!;
      const response = await fetch(`${streaming.endpoint.url}/recommendations/${newest.session_id}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as Recommendation).event_time).toBe(newest.event_time);
      // Malformed events are in the quarantine with their reasons.
      const quarantined = (await linesWhen(s3, bucket, 'quarantine/recommender/', (n) => n >= streaming.simulation.malformedEvents)).map((l) => JSON.parse(l) as QuarantinedEvent);
      expect(quarantined.length).toBe(streaming.simulation.malformedEvents);
      for (const letter of quarantined) expect(letter.reason).toMatch(/\w+: must be|JSON|not a JSON object/);
    });
    const text = printed.join('');
    expect(outcome.exitCode).toBe(0);
    expect(outcome.streaming.stats.events).toBe(outcome.streaming.simulation.sessionEvents);
    expect(outcome.streaming.stats.fallback).toBe(0);
    expect(outcome.streaming.simulation.malformedEvents).toBeGreaterThan(0);
    expect(text).toContain('Sample recommendations:');
    expect(text).toMatch(/Latency, event created → recommendation emitted: p50 \d+ ms, p90 \d+ ms, p99 \d+ ms/);
    expect(text).toContain('every event answered or quarantined');
  });
});

async function linesUnder(s3: import('@aws-sdk/client-s3').S3Client, bucket: string, prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const lines: string[] = [];
  for (const object of listed.Contents ?? []) {
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
    lines.push(...(await body.Body!.transformToString()).split('\n').filter((l) => l.length > 0));
  }
  return lines;
}

/** The lines under a prefix once `enough(count)` holds (Firehose delivers in buffers), or after 30 s. */
async function linesWhen(s3: import('@aws-sdk/client-s3').S3Client, bucket: string, prefix: string, enough: (count: number) => boolean): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const lines = await linesUnder(s3, bucket, prefix);
    if (enough(lines.length) || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 250));
  }
}

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RestartStrategies, StreamEnvironment, WatermarkStrategy, isTwoPhaseCommitSink, silentLogger } from '../index.js';
import type { SinkWriterContext } from '../sinks/Sink.js';
import { ExactlyOnceTestSink, type ExactlyOnceTestSinkWrite } from './ExactlyOnceTestSink.js';
import { TestSource } from './TestSource.js';

const context = (subtaskIndex: number): SinkWriterContext => ({ subtaskIndex, parallelism: 2, sinkName: 'sink', now: () => 0 });

describe('ExactlyOnceTestSink', () => {
  it('is a two-phase-commit sink: records become visible on commit, once, however often committed', async () => {
    const sink = new ExactlyOnceTestSink<string>();
    expect(isTwoPhaseCommitSink(sink)).toBe(true);
    const writer = sink.createWriter(context(0));
    const committer = sink.createCommitter(context(0));
    writer.write('a', 0);
    writer.write('b', 0);
    const first = await writer.preCommit(1);
    writer.write('c', 0);
    expect(sink.committed).toEqual([]);
    expect(sink.written()).toBe(3);
    expect(sink.pendingTransactions()).toBe(1);
    await committer.commit(first);
    await committer.commit(first);
    expect(sink.committed).toEqual(['a', 'b']);
    const second = await writer.preCommit(2);
    await committer.commit([...first, ...second]);
    expect(sink.committed).toEqual(['a', 'b', 'c']);
    expect(sink.pendingTransactions()).toBe(0);
  });

  it('appends to the list it is given, from every subtask', async () => {
    const committed: number[] = [1];
    const sink = new ExactlyOnceTestSink(committed);
    const w0 = sink.createWriter(context(0));
    const w1 = sink.createWriter(context(1));
    w0.write(2, 0);
    w1.write(3, 0);
    const ids = [...(await w0.preCommit(1)), ...(await w1.preCommit(1))];
    expect(new Set(ids).size).toBe(2);
    await sink.createCommitter(context(0)).commit(ids);
    expect(committed).toEqual([1, 2, 3]);
    expect(sink.committed).toBe(committed);
  });

  it('drops a commit of an attempt that a restart superseded', async () => {
    const sink = new ExactlyOnceTestSink<string>([], { commitDelayMs: 20 });
    const writer = sink.createWriter(context(0));
    writer.write('a', 0);
    const ids = await writer.preCommit(1);
    const old = sink.createCommitter(context(0));
    const inFlight = old.commit(ids);
    const restarted = sink.createCommitter(context(0)); // subtask 0 opens again: a new attempt
    await inFlight;
    expect(sink.committed).toEqual([]);
    await restarted.commit(ids);
    expect(sink.committed).toEqual(['a']);
  });

  it('tells onWrite the running counts, and holds the writer on the promise it returns', async () => {
    const seen: Array<ExactlyOnceTestSinkWrite & { value: string }> = [];
    let release!: () => void;
    const sink = new ExactlyOnceTestSink<string>([], {
      onWrite: (value, write) => {
        seen.push({ value, ...write });
        return value === 'hold' ? new Promise<void>((resolve) => (release = resolve)) : undefined;
      },
    });
    const w0 = sink.createWriter(context(0));
    const w1 = sink.createWriter(context(1));
    expect(w0.write('x', 0)).toBeUndefined();
    expect(w1.write('y', 0)).toBeUndefined();
    const held = w0.write('hold', 0);
    expect(held).toBeInstanceOf(Promise);
    release();
    await held;
    expect(seen).toEqual([
      { value: 'x', subtaskIndex: 0, total: 1, byWriter: 1 },
      { value: 'y', subtaskIndex: 1, total: 2, byWriter: 1 },
      { value: 'hold', subtaskIndex: 0, total: 3, byWriter: 2 },
    ]);
  });

  it('commits every record exactly once in a job that fails and restarts from its checkpoint', async () => {
    const values = Array.from({ length: 2_000 }, (_, i) => i);
    let failures = 1;
    const env = StreamEnvironment.create({
      checkpointInterval: 5,
      checkpointDir: await mkdtemp(join(tmpdir(), 'tributary-exactly-once-sink-')),
      restartStrategy: RestartStrategies.fixedDelay(3, 0),
      logger: silentLogger,
    });
    const sink = new ExactlyOnceTestSink<number>();
    const source = TestSource.from([...values.map((v) => TestSource.record(v, v)), TestSource.end()], { pollSize: 1 });
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), 'values')
      .uid('values')
      .map((v) => {
        if (v === 1_500 && failures-- > 0) throw new Error('injected failure');
        return v;
      })
      .sinkTo(sink)
      .uid('sink');
    const job = env.execute('exactly-once');
    const result = await job;
    expect(result.status).toBe('finished');
    expect(job.restarts()).toBe(1);
    expect(sink.written()).toBeGreaterThan(values.length);
    expect(sink.committed).toEqual(values);
  });
});

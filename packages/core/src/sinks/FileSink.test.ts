import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../runtime/Logger.js';
import { fileSink, type FileCommittable } from './FileSink.js';
import { csv, jsonLines, type RecordFormat } from './formats.js';
import type { SinkWriterContext } from './Sink.js';

interface Order {
  readonly id: number;
  readonly name: string;
}

const context = (subtaskIndex = 0, parallelism = 1): SinkWriterContext => ({
  subtaskIndex,
  parallelism,
  sinkName: 'files',
  now: () => 0,
});

/** Visible files, as a reader listing `*.<ext>` sees them. */
async function visible(dir: string, ext = 'jsonl'): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(`.${ext}`)).sort();
}

async function hidden(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('.')).sort();
}

describe('fileSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps staged files invisible until the checkpoint commits them', async () => {
    const sink = fileSink<Order>({ directory: join(dir, 'out'), format: jsonLines(), logger: silentLogger });
    const writer = sink.createWriter(context());
    const committer = sink.createCommitter(context());
    const out = join(dir, 'out');

    writer.write({ id: 1, name: 'a' }, 0);
    writer.write({ id: 2, name: 'b' }, 0);
    writer.flush?.(false);
    expect(await visible(out)).toEqual([]);
    expect(await hidden(out)).toEqual([expect.stringMatching(/^\.part-0-w[0-9a-f]{8}-0\.jsonl\.inprogress$/)]);

    const committables = await writer.preCommit(7);
    expect(committables).toEqual([{ staged: '.part-0-7-0.jsonl.inprogress', final: 'part-0-7-0.jsonl' }]);
    expect(await hidden(out)).toEqual(['.part-0-7-0.jsonl.inprogress']);
    expect(await visible(out)).toEqual([]);

    writer.write({ id: 3, name: 'c' }, 0); // belongs to the next checkpoint
    await committer.commit(committables);
    expect(await visible(out)).toEqual(['part-0-7-0.jsonl']);
    expect(await readFile(join(out, 'part-0-7-0.jsonl'), 'utf8')).toBe('{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n');

    await committer.commit(await writer.preCommit(8));
    expect(await visible(out)).toEqual(['part-0-7-0.jsonl', 'part-0-8-0.jsonl']);
    expect(await readFile(join(out, 'part-0-8-0.jsonl'), 'utf8')).toBe('{"id":3,"name":"c"}\n');
    expect(await hidden(out)).toEqual([]);
    await writer.close?.();
  });

  it('writes nothing for a checkpoint without records', async () => {
    const sink = fileSink<Order>({ directory: dir, format: jsonLines() });
    const writer = sink.createWriter(context());
    expect(await writer.preCommit(1)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('commits idempotently (again after a restart, or twice)', async () => {
    const sink = fileSink<Order>({ directory: dir, format: jsonLines(), logger: silentLogger });
    const writer = sink.createWriter(context());
    writer.write({ id: 1, name: 'a' }, 0);
    const committables = await writer.preCommit(1);
    const committer = sink.createCommitter(context());
    await committer.commit(committables);
    await committer.commit(committables);
    // A new attempt restores the same committables and commits them again.
    const again = fileSink<Order>({ directory: dir, format: jsonLines(), logger: silentLogger }).createCommitter(context());
    await again.commit(committables);
    expect(await readdir(dir)).toEqual(['part-0-1-0.jsonl']);
    expect(await readFile(join(dir, 'part-0-1-0.jsonl'), 'utf8')).toBe('{"id":1,"name":"a"}\n');
  });

  it('warns, without failing, when a committed file has vanished', async () => {
    const warnings: unknown[] = [];
    const sink = fileSink<Order>({ directory: dir, format: jsonLines(), logger: { ...silentLogger, warn: (obj) => warnings.push(obj) } });
    await sink.createCommitter(context()).commit([{ staged: '.part-0-1-0.jsonl.inprogress', final: 'part-0-1-0.jsonl' }]);
    expect(warnings).toHaveLength(1);
  });

  it('refuses committables that are paths', async () => {
    const committer = fileSink<Order>({ directory: dir, format: jsonLines() }).createCommitter(context());
    await expect(committer.commit([{ staged: '../../etc/passwd', final: 'x.jsonl' }])).rejects.toMatchObject({ code: 'FILE_SINK_BAD_COMMITTABLE' });
  });

  it('cleans up orphans of a crashed attempt but keeps restored and live files', async () => {
    // Attempt 1: checkpoint 1 completes and is committed; checkpoint 2 is pre-committed but never completes;
    // more records are written after it; then the process dies.
    const first = fileSink<Order>({ directory: dir, format: jsonLines() });
    const w1 = first.createWriter(context(0, 2));
    w1.write({ id: 1, name: 'a' }, 0);
    const c1 = await w1.preCommit(1);
    await first.createCommitter(context(0, 2)).commit(c1);
    w1.write({ id: 2, name: 'b' }, 0);
    const c2 = await w1.preCommit(2);
    w1.write({ id: 3, name: 'c' }, 0);
    w1.flush?.(false);
    // Another subtask's orphan, a third subtask's orphan from before a scale-down, and unrelated files.
    const other = first.createWriter(context(1, 2));
    other.write({ id: 9, name: 'z' }, 0);
    other.flush?.(false);
    await writeFile(join(dir, '.part-2-5-0.jsonl.inprogress'), 'old');
    await writeFile(join(dir, '.other-0-5-0.jsonl.inprogress'), 'not ours');
    await writeFile(join(dir, 'notes.txt'), 'not ours');
    expect((await hidden(dir)).length).toBe(5);

    // Attempt 2 restores checkpoint 1, now with parallelism 2 → subtask 0 also owns old subtask 2.
    const second = fileSink<Order>({ directory: dir, format: jsonLines() });
    const w2 = second.createWriter(context(0, 2));
    w2.write({ id: 4, name: 'd' }, 0); // written early: must survive cleanup
    w2.flush?.(false);
    const committer = second.createCommitter(context(0, 2));
    await committer.commit(c1);
    await committer.cleanup?.(context(0, 2), c1);

    const left = await hidden(dir);
    expect(left).not.toContain(c2[0]!.staged);
    expect(left).not.toContain('.part-2-5-0.jsonl.inprogress');
    expect(left).toContain('.other-0-5-0.jsonl.inprogress');
    expect(left.filter((name) => name.startsWith('.part-1-'))).toHaveLength(1); // subtask 1 cleans its own
    expect(left.filter((name) => name.startsWith('.part-0-'))).toHaveLength(1); // the live writer's file
    expect(await visible(dir)).toEqual(['part-0-1-0.jsonl']);

    await committer.commit(await w2.preCommit(3));
    expect(await visible(dir)).toEqual(['part-0-1-0.jsonl', 'part-0-3-0.jsonl']);
    expect(await readFile(join(dir, 'part-0-3-0.jsonl'), 'utf8')).toBe('{"id":4,"name":"d"}\n');
    await w1.close?.();
    await other.close?.();
  });

  it('cleanup copes with a directory that does not exist yet', async () => {
    const committer = fileSink<Order>({ directory: join(dir, 'missing'), format: jsonLines() }).createCommitter(context());
    await expect(committer.cleanup?.(context(), [])).resolves.toBeUndefined();
  });

  it('rolls files by record count within a checkpoint', async () => {
    const sink = fileSink<Order>({ directory: dir, format: jsonLines(), maxRecordsPerFile: 2 });
    const writer = sink.createWriter(context(3, 4));
    for (let id = 0; id < 5; id++) writer.write({ id, name: `n${id}` }, 0);
    const committables = await writer.preCommit(4);
    expect(committables.map((c: FileCommittable) => c.final)).toEqual(['part-3-4-0.jsonl', 'part-3-4-1.jsonl', 'part-3-4-2.jsonl']);
    await sink.createCommitter(context(3, 4)).commit(committables);
    const lines = await Promise.all(committables.map(async (c) => (await readFile(join(dir, c.final), 'utf8')).trim().split('\n').length));
    expect(lines).toEqual([2, 2, 1]);
  });

  it('buffers writes and keeps order across many records', async () => {
    const sink = fileSink<number>({ directory: dir, format: jsonLines(), prefix: 'numbers' });
    const writer = sink.createWriter(context());
    for (let i = 0; i < 10_000; i++) writer.write(i, 0);
    const committables = await writer.preCommit(1);
    await sink.createCommitter(context()).commit(committables);
    const text = await readFile(join(dir, 'numbers-0-1-0.jsonl'), 'utf8');
    expect(text).toBe(Array.from({ length: 10_000 }, (_, i) => `${i}\n`).join(''));
  });

  it('writes CSV with RFC 4180 quoting and a header per file', async () => {
    const sink = fileSink<Order & { note?: unknown }>({
      directory: dir,
      format: csv({ columns: ['id', 'name', { name: 'note, quoted', value: (r) => r.note }], header: true }),
      maxRecordsPerFile: 2,
    });
    const writer = sink.createWriter(context());
    writer.write({ id: 1, name: 'plain', note: null }, 0);
    writer.write({ id: 2, name: 'Smith, "J"', note: 'line\nbreak' }, 0);
    writer.write({ id: 3, name: '', note: { a: 1 } }, 0);
    const committables = await writer.preCommit(1);
    await sink.createCommitter(context()).commit(committables);
    expect(await visible(dir, 'csv')).toEqual(['part-0-1-0.csv', 'part-0-1-1.csv']);
    expect(await readFile(join(dir, 'part-0-1-0.csv'), 'utf8')).toBe(
      'id,name,"note, quoted"\r\n1,plain,\r\n2,"Smith, ""J""","line\nbreak"\r\n',
    );
    expect(await readFile(join(dir, 'part-0-1-1.csv'), 'utf8')).toBe('id,name,"note, quoted"\r\n3,,"{""a"":1}"\r\n');
  });

  it('accepts a custom format', async () => {
    const tsv: RecordFormat<Order> = {
      extension: 'tsv',
      encode: (records) => new TextEncoder().encode(records.map((r) => `${r.id}\t${r.name}\n`).join('')),
    };
    const sink = fileSink<Order>({ directory: dir, format: tsv, prefix: 'orders' });
    const writer = sink.createWriter(context());
    writer.write({ id: 1, name: 'é' }, 0);
    await sink.createCommitter(context()).commit(await writer.preCommit(2));
    expect(await readFile(join(dir, 'orders-0-2-0.tsv'), 'utf8')).toBe('1\té\n');
  });

  it('leaves uncommitted data hidden on close', async () => {
    const sink = fileSink<Order>({ directory: dir, format: jsonLines() });
    const writer = sink.createWriter(context());
    writer.write({ id: 1, name: 'a' }, 0);
    await writer.close?.();
    expect(await visible(dir)).toEqual([]);
    expect(await hidden(dir)).toHaveLength(1);
  });

  it('checks its options', () => {
    const format = jsonLines<Order>();
    expect(() => fileSink({ directory: '', format })).toThrow(new RangeError('fileSink: directory must not be empty'));
    expect(() => fileSink({ directory: dir, format, prefix: '.hidden' })).toThrow(/prefix must be a file name not starting with a dot/);
    expect(() => fileSink({ directory: dir, format, prefix: 'a/b' })).toThrow(RangeError);
    expect(() => fileSink({ directory: dir, format: { ...format, extension: '.jsonl' } })).toThrow(/extension without the leading dot/);
    expect(() => fileSink({ directory: dir, format, maxRecordsPerFile: 0 })).toThrow('fileSink: maxRecordsPerFile must be an integer >= 1, got 0');
    expect(() => fileSink({ directory: dir, format, rollOnCheckpointOnly: true, maxRecordsPerFile: 5 })).toThrow(
      'fileSink: rollOnCheckpointOnly: true excludes maxRecordsPerFile',
    );
    expect(() => fileSink({ directory: dir, format, rollOnCheckpointOnly: false })).toThrow('fileSink: rollOnCheckpointOnly: false needs maxRecordsPerFile');
    expect(() => fileSink({ directory: dir, format, rollOnCheckpointOnly: false, maxRecordsPerFile: 5 })).not.toThrow();
  });
});

describe('formats', () => {
  it('jsonLines writes one document per line', () => {
    expect(jsonLines<object>().encode([{ id: 1 }, { id: 2 }])).toBe('{"id":1}\n{"id":2}\n');
    const withBigint = jsonLines<{ n: bigint }>({ stringify: (r) => `{"n":${r.n}}` });
    expect(withBigint.encode([{ n: 2n ** 70n }])).toBe('{"n":1180591620717411303424}\n');
    expect(jsonLines().extension).toBe('jsonl');
  });

  it('csv quotes only what needs quoting and formats values', () => {
    const format = csv<Record<string, unknown>>({ columns: ['a', 'b', 'c', 'd'] });
    expect(format.header).toBeUndefined();
    expect(format.encode([{ a: 'x', b: 1.5, c: true, d: 10n }])).toBe('x,1.5,true,10\r\n');
    expect(format.encode([{ a: 'with "quote"', b: 'cr\rhere', c: new Date(0), d: undefined }])).toBe(
      '"with ""quote""","cr\rhere",1970-01-01T00:00:00.000Z,\r\n',
    );
  });

  it('csv honours a custom delimiter and line ending', () => {
    const format = csv<Record<string, unknown>>({ columns: ['a', 'b'], delimiter: ';', lineEnding: '\n', header: true });
    expect(format.header).toBe('a;b\n');
    expect(format.encode([{ a: 'x;y', b: 'p,q' }])).toBe('"x;y";p,q\n');
    expect(csv<Record<string, unknown>>({ columns: ['a'], delimiter: ']' }).encode([{ a: 'x]y' }])).toBe('"x]y"\r\n');
  });

  it('csv checks its options', () => {
    expect(() => csv({ columns: [] })).toThrow(new RangeError('csv: columns must not be empty'));
    expect(() => csv<Record<string, unknown>>({ columns: ['a'], delimiter: '"' })).toThrow(/delimiter must be one character other than a quote/);
    expect(() => csv<Record<string, unknown>>({ columns: ['a'], delimiter: ',,' })).toThrow(RangeError);
  });
});

import { mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TributaryError } from '../errors.js';
import { silentLogger } from '../runtime/Logger.js';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointData } from './CheckpointData.js';
import { LocalCheckpointStorage } from './LocalCheckpointStorage.js';
import { encodeState } from './serialization.js';

function checkpoint(checkpointId: number, kind: 'checkpoint' | 'savepoint' = 'checkpoint'): CheckpointData {
  return {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    jobName: 'orders',
    checkpointId,
    kind,
    timestamp: 1_700_000_000_000 + checkpointId * 1_000,
    maxParallelism: 128,
    operators: {
      counts: {
        operatorId: 'counts',
        name: 'counts',
        parallelism: 1,
        subtasks: [
          {
            subtask: 0,
            state: encodeState({
              keyed: { maxParallelism: 128, keyGroups: { 3: { count: [[0, 'a', checkpointId]] } } },
              timers: { maxParallelism: 128, keyGroups: { 3: { window: { event: [[Infinity, 'a', 0]], processing: [] } } } },
              operator: { seen: new Set(['a']), total: BigInt(checkpointId) },
              splits: [{ id: 'split-0', offset: checkpointId }],
            }),
          },
        ],
      },
    },
  };
}

describe('LocalCheckpointStorage', () => {
  let dir: string;
  let storage: LocalCheckpointStorage;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-chk-'));
    storage = new LocalCheckpointStorage(dir, { logger: silentLogger });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Saves checkpoints and collects what loadLatest skips. */
  async function latestWithSkips(): Promise<{ id: number | undefined; skipped: Array<[string, string]> }> {
    const skipped: Array<[string, string]> = [];
    const latest = await storage.loadLatest((location, reason) => skipped.push([location, reason]));
    return { id: latest?.data.checkpointId, skipped };
  }

  it('saves, lists and loads checkpoints with the documented layout', async () => {
    const info = await storage.save(checkpoint(1));
    await storage.save(checkpoint(2));
    expect(info).toEqual({ location: join(dir, 'chk-0000000001'), checkpointId: 1, kind: 'checkpoint', timestamp: 1_700_000_001_000 });
    expect((await readdir(info.location)).sort()).toEqual(['_metadata', 'state']);

    const metadata = JSON.parse(await readFile(join(info.location, '_metadata'), 'utf8')) as Record<string, unknown>;
    const state = await readFile(join(info.location, 'state'));
    expect(metadata).toMatchObject({ formatVersion: 1, checkpointId: 1, kind: 'checkpoint', jobName: 'orders', stateFile: 'state', bytes: state.length });
    expect(metadata['sha256']).toMatch(/^[0-9a-f]{64}$/);

    expect((await storage.list()).map((i) => i.checkpointId)).toEqual([1, 2]);
    expect(await storage.load(info.location)).toEqual(checkpoint(1));
    expect(await storage.load(join(info.location, '_metadata'))).toEqual(checkpoint(1));
    const latest = await storage.loadLatest();
    expect(latest?.info.checkpointId).toBe(2);
    expect(latest?.data).toEqual(checkpoint(2));
  });

  it('returns undefined when there is nothing to restore', async () => {
    expect(await storage.loadLatest()).toBeUndefined();
    expect(await new LocalCheckpointStorage(join(dir, 'missing')).list()).toEqual([]);
  });

  it('stores savepoints apart, and restores the newest of checkpoints and savepoints', async () => {
    await storage.save(checkpoint(1));
    const sp = await storage.save(checkpoint(2, 'savepoint'));
    expect(sp.location).toBe(join(dir, 'savepoints', 'sp-0000000002-1700000002000'));
    expect((await storage.list()).map((i) => `${i.kind}:${i.checkpointId}`)).toEqual(['checkpoint:1', 'savepoint:2']);
    expect((await storage.loadLatest())?.info.kind).toBe('savepoint');
    await storage.save(checkpoint(3));
    expect((await storage.loadLatest())?.info).toMatchObject({ kind: 'checkpoint', checkpointId: 3 });
  });

  it('falls back past a checkpoint whose metadata was never written (crash mid-checkpoint)', async () => {
    await storage.save(checkpoint(1));
    const crashed = join(dir, 'chk-0000000002');
    await mkdir(crashed);
    await writeFile(join(crashed, 'state'), '{"partial":');
    expect(await latestWithSkips()).toEqual({ id: 1, skipped: [[crashed, 'no _metadata (incomplete)']] });
    expect((await storage.list()).map((i) => i.checkpointId)).toEqual([1]);
    await expect(storage.load(crashed)).rejects.toMatchObject({ code: 'CHECKPOINT_UNREADABLE', message: expect.stringContaining('no _metadata (incomplete)') as unknown });
  });

  it('falls back past a truncated state file', async () => {
    await storage.save(checkpoint(1));
    const { location } = await storage.save(checkpoint(2));
    const size = (await readFile(join(location, 'state'))).length;
    await truncate(join(location, 'state'), 100);
    expect(await latestWithSkips()).toEqual({ id: 1, skipped: [[location, `state truncated: 100 of ${size} bytes`]] });
  });

  it('falls back past a corrupted state file (one flipped byte)', async () => {
    await storage.save(checkpoint(1));
    const { location } = await storage.save(checkpoint(2));
    const state = await readFile(join(location, 'state'));
    const middle = Math.floor(state.length / 2);
    state[middle] = state[middle]! ^ 0x01;
    await writeFile(join(location, 'state'), state);
    expect(await latestWithSkips()).toEqual({ id: 1, skipped: [[location, 'state checksum mismatch (corrupt)']] });
    const error = await storage.load(location).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TributaryError);
    expect(error).toMatchObject({ code: 'CHECKPOINT_UNREADABLE', message: `Cannot restore checkpoint '${location}': state checksum mismatch (corrupt)` });
  });

  it('skips and refuses an unknown format version', async () => {
    await storage.save(checkpoint(1));
    const { location } = await storage.save(checkpoint(2));
    const metadataPath = join(location, '_metadata');
    const metadata = JSON.parse(await readFile(metadataPath, 'utf8')) as Record<string, unknown>;
    await writeFile(metadataPath, JSON.stringify({ ...metadata, formatVersion: 7 }));
    expect(await latestWithSkips()).toEqual({ id: 1, skipped: [[location, 'unknown format version 7 (this build reads 1)']] });
    await expect(storage.load(location)).rejects.toMatchObject({
      code: 'CHECKPOINT_FORMAT_UNSUPPORTED',
      message: expect.stringContaining('unknown format version 7 (this build reads 1)') as unknown,
    });
  });

  it('skips a garbled _metadata and reports every skipped checkpoint, newest first', async () => {
    await storage.save(checkpoint(1));
    const two = await storage.save(checkpoint(2));
    const three = await storage.save(checkpoint(3));
    await writeFile(join(three.location, '_metadata'), '{"formatVer');
    await truncate(join(two.location, 'state'), 0);
    const { id, skipped } = await latestWithSkips();
    expect(id).toBe(1);
    expect(skipped.map(([location]) => location)).toEqual([three.location, two.location]);
    expect(skipped[0]?.[1]).toMatch(/^_metadata is not valid JSON: .* \(corrupt\)$/);
    expect(skipped[1]?.[1]).toMatch(/^state truncated: 0 of \d+ bytes$/);
  });

  it('reports a missing location clearly', async () => {
    await expect(storage.load(join(dir, 'chk-0000000099'))).rejects.toThrow(/no such checkpoint directory/);
  });

  it('reports skips to the logger when no onSkip is given', async () => {
    const warnings: unknown[] = [];
    const logged = new LocalCheckpointStorage(dir, { logger: { ...silentLogger, warn: (obj) => warnings.push(obj) } });
    await logged.save(checkpoint(1));
    await mkdir(join(dir, 'chk-0000000002'));
    expect((await logged.loadLatest())?.info.checkpointId).toBe(1);
    expect(warnings).toEqual([{ location: join(dir, 'chk-0000000002'), reason: 'no _metadata (incomplete)' }]);
  });

  it('replaces a leftover directory with the same id', async () => {
    const stale = join(dir, 'chk-0000000001');
    await mkdir(stale);
    await writeFile(join(stale, 'junk'), 'x');
    const info = await storage.save(checkpoint(1));
    expect((await readdir(info.location)).sort()).toEqual(['_metadata', 'state']);
  });

  it('prunes old and stale incomplete checkpoints, never savepoints or newer incomplete ones', async () => {
    for (const id of [1, 2, 3, 4]) await storage.save(checkpoint(id));
    await storage.save(checkpoint(2, 'savepoint'));
    await mkdir(join(dir, 'chk-0000000000')); // crashed long ago
    await mkdir(join(dir, 'chk-0000000005')); // maybe still being written
    await storage.prune(2);
    expect((await readdir(dir)).sort()).toEqual(['chk-0000000003', 'chk-0000000004', 'chk-0000000005', 'savepoints']);
    expect((await storage.list()).map((i) => `${i.kind}:${i.checkpointId}`)).toEqual(['savepoint:2', 'checkpoint:3', 'checkpoint:4']);
    await storage.prune(0);
    expect((await readdir(dir)).sort()).toEqual(['chk-0000000005', 'savepoints']);
    await expect(storage.prune(-1)).rejects.toThrow('prune: retain must be an integer >= 0, got -1');
  });

  it('leaves everything alone when no checkpoint is complete', async () => {
    await mkdir(join(dir, 'chk-0000000001'));
    await storage.prune(1);
    expect(await readdir(dir)).toEqual(['chk-0000000001']);
  });

  it('ignores directories and files it does not own', async () => {
    await mkdir(join(dir, 'notes'));
    await writeFile(join(dir, 'chk-0000000009'), 'a file, not a directory');
    await storage.save(checkpoint(1));
    expect((await storage.list()).map((i) => i.checkpointId)).toEqual([1]);
    await storage.prune(1);
    expect((await readdir(dir)).sort()).toEqual(['chk-0000000001', 'chk-0000000009', 'notes']);
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, formatConfigPath, parseOverride, readConfigFile, resolveConfig, validateConfig } from './config.js';
import { RunnerError } from './exitCodes.js';

describe('parseOverride', () => {
  it('parses the value as JSON when it parses', () => {
    expect(parseOverride('a.b.c=3')).toEqual({ path: ['a', 'b', 'c'], value: 3 });
    expect(parseOverride('flag=true')).toEqual({ path: ['flag'], value: true });
    expect(parseOverride('x=null')).toEqual({ path: ['x'], value: null });
    expect(parseOverride('list=[1,"two"]')).toEqual({ path: ['list'], value: [1, 'two'] });
    expect(parseOverride('obj={"k":1}')).toEqual({ path: ['obj'], value: { k: 1 } });
    expect(parseOverride('quoted="42"')).toEqual({ path: ['quoted'], value: '42' });
  });

  it('keeps the text when it is not JSON, splitting at the first =', () => {
    expect(parseOverride('name=alice')).toEqual({ path: ['name'], value: 'alice' });
    expect(parseOverride('url=http://h/?a=b')).toEqual({ path: ['url'], value: 'http://h/?a=b' });
    expect(parseOverride('empty=')).toEqual({ path: ['empty'], value: '' });
  });

  it('rejects malformed overrides with exit code 2', () => {
    for (const bad of ['novalue', '=3', 'a..b=1', '.a=1', 'a.__proto__.x=1']) {
      const error = (() => {
        try {
          parseOverride(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, bad).toBeInstanceOf(RunnerError);
      expect((error as RunnerError).exitCode).toBe(2);
      expect((error as RunnerError).message).toContain(`'${bad}'`);
    }
  });
});

describe('applyOverrides', () => {
  const base = { source: { stream: 'clicks', shards: 2 }, sinks: [{ name: 'a' }, { name: 'b' }] };

  it('sets nested fields in order, creating objects and leaving the base untouched', () => {
    const result = applyOverrides(base, ['source.shards=4', 'sink.batch.size=500', 'source.shards=8', 'sinks.1.name=c']);
    expect(result).toEqual({
      source: { stream: 'clicks', shards: 8 },
      sink: { batch: { size: 500 } },
      sinks: [{ name: 'a' }, { name: 'c' }],
    });
    expect(base.source.shards).toBe(2);
    expect(base.sinks[1]?.name).toBe('b');
  });

  it('starts from {} without a base', () => {
    expect(applyOverrides(undefined, ['a=1'])).toEqual({ a: 1 });
  });

  it('refuses to descend into a scalar', () => {
    expect(() => applyOverrides(base, ['source.stream.name=x'])).toThrow("cannot --set source.stream.name: 'name' is inside a string, not an object");
    expect(() => applyOverrides(base, ['sinks.x=1'])).toThrow("'x' is not an index into an array");
  });
});

describe('validateConfig', () => {
  const schema = z.object({
    source: z.object({ stream: z.string().min(1), shards: z.number().int().positive() }),
    sinks: z.array(z.object({ name: z.string(), batchSize: z.number().max(500).default(100) })),
    mode: z.enum(['fast', 'safe']).default('safe'),
  });

  it('returns the parsed config (defaults applied)', () => {
    const result = validateConfig(schema, { source: { stream: 's', shards: 1 }, sinks: [{ name: 'a' }] });
    expect(result).toEqual({ ok: true, config: { source: { stream: 's', shards: 1 }, sinks: [{ name: 'a', batchSize: 100 }], mode: 'safe' } });
  });

  it('lists every problem with its path', () => {
    const result = validateConfig(schema, { source: { stream: '', shards: 1.5 }, sinks: [{ name: 'a' }, { batchSize: 1000 }], mode: 'turbo' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.path)).toEqual([
      'config.source.stream',
      'config.source.shards',
      'config.sinks[1].name',
      'config.sinks[1].batchSize',
      'config.mode',
    ]);
    for (const p of result.problems) expect(p.message.length).toBeGreaterThan(0);
  });

  it('formats odd keys and the root', () => {
    expect(formatConfigPath([])).toBe('config');
    expect(formatConfigPath(['a', 0, 'b-c', 'with space', 'x.y'])).toBe('config.a[0].b-c["with space"]["x.y"]');
  });
});

describe('resolveConfig', () => {
  const schema = z.object({ words: z.array(z.string()).min(1), minLength: z.number().int().min(1).default(3) });
  const dir = mkdtempSync(join(tmpdir(), 'tributary-config-'));

  it('reads the file, applies --set and validates', async () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify({ words: ['a'], minLength: 2 }));
    const reports: string[] = [];
    const result = await resolveConfig({ schema, pipelineName: 'wc', configPath: path, sets: ['minLength=5'], report: (t) => reports.push(t) });
    expect(result).toEqual({ ok: true, config: { words: ['a'], minLength: 5 } });
    expect(reports).toEqual([]);
  });

  it('reports every problem and returns exit code 2', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ words: [], minLength: 0 }));
    const reports: string[] = [];
    const result = await resolveConfig({ schema, pipelineName: 'wc', configPath: path, sets: ['extra=1'], report: (t) => reports.push(t) });
    expect(result).toEqual({ ok: false, exitCode: 2 });
    const text = reports.join('');
    expect(text).toContain(`Invalid config for pipeline 'wc' (${path} with --set overrides): 2 problems`);
    expect(text).toMatch(/^ {2}config\.words: .+$/m);
    expect(text).toMatch(/^ {2}config\.minLength: .+$/m);
  });

  it('names a missing or malformed file', async () => {
    await expect(readConfigFile(join(dir, 'missing.json'))).rejects.toThrow(`cannot read config file ${join(dir, 'missing.json')}: no such file`);
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"words": [');
    await expect(readConfigFile(path)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining(`config file ${path} is not valid JSON`) });
  });
});

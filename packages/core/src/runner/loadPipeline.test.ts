import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { definePipeline, isPipelineDefinition } from './definePipeline.js';
import { RunnerError } from './exitCodes.js';
import { loadPipeline, resolveExports } from './loadPipeline.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('definePipeline', () => {
  it('returns a tagged, typed definition with normalised defaults', () => {
    const p = definePipeline({
      name: 'p',
      description: 'd',
      config: z.object({ n: z.number().default(1) }),
      defaults: { parallelism: 4, checkpointInterval: '10s' },
      build(_env, config) {
        expectTypeOf(config).toEqualTypeOf<{ n: number }>();
      },
    });
    expect(isPipelineDefinition(p)).toBe(true);
    expect(isPipelineDefinition({ name: 'p', build() {} })).toBe(false);
    expect(p.defaults).toEqual({ parallelism: 4, checkpointInterval: 10_000 });
  });

  it('checks its arguments at once', () => {
    const base = { name: 'p', description: 'd', config: z.object({}), build() {} };
    expect(() => definePipeline({ ...base, name: ' ' })).toThrow('definePipeline: name must be a non-empty string');
    expect(() => definePipeline({ ...base, config: {} as never })).toThrow("definePipeline('p'): config must be a zod schema");
    expect(() => definePipeline({ ...base, defaults: { parallelism: 0 } })).toThrow("definePipeline('p'): defaults.parallelism must be an integer >= 1, got 0");
    expect(() => definePipeline({ ...base, defaults: { checkpointInterval: 'often' } })).toThrow("invalid duration 'often'");
  });
});

describe('loadPipeline', () => {
  it('loads a default export from a path relative to cwd', async () => {
    const p = await loadPipeline('./wordCount.pipeline.ts', { cwd: fixtures });
    expect(p.name).toBe('word-count');
  });

  it('loads a named `pipeline` export from an absolute path', async () => {
    const p = await loadPipeline(join(fixtures, 'ticker.pipeline.ts'));
    expect(p.name).toBe('ticker');
  });

  it('says when a module exports no pipeline definition', async () => {
    const error = await loadPipeline('./notAPipeline.ts', { cwd: fixtures }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerError);
    expect((error as RunnerError).exitCode).toBe(2);
    expect((error as RunnerError).message).toBe(
      "'./notAPipeline.ts' does not export a pipeline definition (definePipeline): expected `export default definePipeline({…})` " +
        'or `export const pipeline = definePipeline({…})`; it exports answer, default',
    );
  });

  it('names a missing file or package', async () => {
    await expect(loadPipeline('./missing.ts', { cwd: fixtures })).rejects.toThrow(`Cannot find pipeline module './missing.ts' (looked for ${join(fixtures, 'missing.ts')})`);
    await expect(loadPipeline('@nobody/no-such-package/x', { cwd: fixtures })).rejects.toThrow("Cannot find pipeline package '@nobody/no-such-package/x'");
  });

  it('resolves a package specifier from cwd through the package exports', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tributary-load-'));
    const pkg = join(root, 'node_modules', '@acme', 'pipelines');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@acme/pipelines', type: 'module', exports: { '.': './dist/index.js', './*': { import: './dist/*.js' } } }),
    );
    // A plain-JS pipeline that brands itself as definePipeline does (the registered symbol).
    const body = (name: string) =>
      `export default { [Symbol.for('tributary.pipelineDefinition')]: true, name: '${name}', description: '', config: { safeParse: (v) => ({ success: true, data: v }) }, build() {}, defaults: {} };\n`;
    writeFileSync(join(pkg, 'dist', 'index.js'), body('index'));
    writeFileSync(join(pkg, 'dist', 'clicks.js'), body('clicks'));
    const project = join(root, 'project');
    mkdirSync(project);
    expect((await loadPipeline('@acme/pipelines/clicks', { cwd: project })).name).toBe('clicks');
    expect((await loadPipeline('@acme/pipelines', { cwd: project })).name).toBe('index');
    // A package directory works too.
    expect((await loadPipeline(pkg, { cwd: project })).name).toBe('index');
    const closed = join(root, 'node_modules', '@acme', 'closed');
    mkdirSync(closed, { recursive: true });
    writeFileSync(join(closed, 'package.json'), JSON.stringify({ name: '@acme/closed', exports: { '.': './index.js' } }));
    await expect(loadPipeline('@acme/closed/secret', { cwd: project })).rejects.toThrow(
      `'@acme/closed/secret': package @acme/closed does not export './secret'`,
    );
  });

  it('resolves exports with conditions, patterns and arrays', () => {
    const exportsField = {
      '.': { '@tributary/source': './src/index.ts', types: './dist/index.d.ts', import: './dist/index.js' },
      './features/*': { import: ['./dist/features/*.js'] },
      './internal/*': null,
    };
    expect(resolveExports(exportsField, '.', new Set(['import', 'node', 'default']))).toBe('./dist/index.js');
    expect(resolveExports(exportsField, '.', new Set(['@tributary/source', 'import', 'default']))).toBe('./src/index.ts');
    expect(resolveExports(exportsField, './features/a/b', new Set(['import']))).toBe('./dist/features/a/b.js');
    expect(resolveExports(exportsField, './internal/x', new Set(['import']))).toBeUndefined();
    expect(resolveExports(exportsField, './other', new Set(['import']))).toBeUndefined();
    expect(resolveExports('./main.js', '.', new Set(['import']))).toBe('./main.js');
  });
});

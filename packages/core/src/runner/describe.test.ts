import { describe, expect, it } from 'vitest';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import { OutputTag } from '../api/OutputTag.js';
import { TumblingEventTimeWindows } from '../windowing/assigners/TumblingEventTimeWindows.js';
import { describeMermaid, describeText, edgeLabel, tasksOf } from './describe.js';

interface Click {
  readonly page: string;
  readonly at: number;
}

/** source → map → keyBy → window/reduce → sink, with a side output from the map's process step. */
function clickGraph() {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const invalid = new OutputTag<Click>('invalid');
  const parsed = env
    .fromCollection<Click>([{ page: 'a', at: 1 }], 'Clicks')
    .uid('clicks')
    .map((c) => ({ ...c, page: c.page.trim() }))
    .name('Normalize')
    .process<Click>({
      processElement(c, ctx, out) {
        if (c.page === '') ctx.output(invalid, c);
        else out.collect(c);
      },
    })
    .name('Validate');
  parsed
    .keyBy((c) => c.page)
    .window(TumblingEventTimeWindows.of(60_000))
    .reduce((a, b) => (a.at > b.at ? a : b))
    .name('Latest per page')
    .uid('latest')
    .sinkTo(() => {})
    .name('Sink: views');
  parsed.getSideOutput(invalid).sinkTo(() => {}).name('Sink: invalid');
  return env.plan();
}

describe('describe', () => {
  it('groups chained operators into tasks', () => {
    const tasks = tasksOf(clickGraph());
    expect(tasks.map((t) => [t.index, t.parallelism, t.vertices.map((v) => v.name)])).toEqual([
      [1, 1, ['Clicks']],
      [2, 2, ['Normalize', 'Validate', 'Sink: invalid']],
      [3, 2, ['Latest per page', 'Sink: views']],
    ]);
  });

  it('renders text: tasks as chain trees, then the exchanges with partitioner and side-output tag', () => {
    expect(describeText(clickGraph(), { name: 'clicks', description: 'Latest click per page' })).toBe(
      [
        'Pipeline clicks: Latest click per page',
        '6 operators in 3 tasks, max parallelism 128',
        '',
        'Task 1 · parallelism 1',
        '  #1 Clicks (source, uid clicks)',
        '',
        'Task 2 · parallelism 2',
        '  #2 Normalize (operator)',
        '  └─ #3 Validate (operator)',
        "     └─ [side output 'invalid'] #6 Sink: invalid (sink)",
        '',
        'Task 3 · parallelism 2',
        '  #4 Latest per page (keyed, uid latest)',
        '  └─ #5 Sink: views (sink)',
        '',
        'Exchanges (between tasks)',
        '  Task 1 → Task 2: #1 Clicks → #2 Normalize [rebalance]',
        '  Task 2 → Task 3: #3 Validate → #4 Latest per page [hash]',
        '',
      ].join('\n'),
    );
  });

  it('renders Mermaid: a subgraph per task, exchanges labelled, side outputs dotted', () => {
    const text = describeMermaid(clickGraph());
    expect(text.startsWith('flowchart LR\n')).toBe(true);
    expect(text).toContain('  subgraph task2["Task 2 · parallelism 2"]');
    expect(text).toContain('    op4["#4 Latest per page<br/>keyed · uid latest"]');
    expect(text).toContain('    op2 --> op3');
    expect(text).toContain(`    op3 -.->|"side output 'invalid'"| op6`);
    expect(text).toContain('  op1 ==>|"rebalance"| op2');
    expect(text).toContain('  op3 ==>|"hash"| op4');
    expect(text.match(/^ {2}subgraph /gm)).toHaveLength(3);
    expect(text.match(/^ {2}end$/gm)).toHaveLength(3);
  });

  it('escapes names in Mermaid labels', () => {
    const env = StreamEnvironment.create();
    env.fromElements(1).map((x) => x).name('say "hi" <b> #1;').sinkTo(() => {});
    const text = describeMermaid(env.plan(), { name: 'odd "name"' });
    expect(text).toContain('say #quot;hi#quot; #lt;b#gt; #35;1;');
    expect(text).toContain('title: "odd \\"name\\""');
  });

  it('labels broadcast, global and two-input edges', () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const a = env.fromElements(1, 2).broadcast();
    const b = env.fromElements(3).global();
    a.connect(b)
      .process<number>({ processElement1: (x, _c, out) => out.collect(x), processElement2: (x, _c, out) => out.collect(x) })
      .sinkTo(() => {});
    const labels = env.plan().vertices.flatMap((v) => v.inputs.map(edgeLabel));
    expect(labels).toEqual(expect.arrayContaining(['broadcast · input 1', 'global · input 2']));
  });
});

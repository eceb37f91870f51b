/**
 * `tributary describe`: renders a planned JobGraph as text and as a Mermaid
 * flowchart — the operators grouped into tasks (chains of operators fused
 * into one task, called synchronously), each task's parallelism, and the
 * exchanges between tasks with their partitioner (forward, hash, rebalance,
 * broadcast, global) and side-output tag.
 *
 * ```ts
 * const env = StreamEnvironment.create({ parallelism: 2 });
 * await pipeline.build(env, config);
 * console.log(describeText(env.plan()));
 * ```
 */
import type { JobEdge, JobGraph, JobVertex } from '../runtime/JobGraph.js';
import { formatPipelineOptions, type PipelineOption } from './pipelineOptions.js';

/** A task: a chain of operators that run fused in one subtask per parallel instance. */
export interface GraphTask {
  /** 1-based, in topological order of the heads. */
  readonly index: number;
  /** The first operator of the chain. */
  readonly head: JobVertex;
  /** The operators of the chain, head first, in topological order. */
  readonly vertices: readonly JobVertex[];
  readonly parallelism: number;
}

/** What a rendering may show above the graph. */
export interface DescribeOptions {
  readonly name?: string;
  readonly description?: string;
  /** The pipeline's own command-line flags, listed under the header (text only). */
  readonly options?: readonly PipelineOption[];
}

/** Groups the vertices into tasks along chained edges. */
export function tasksOf(graph: JobGraph): GraphTask[] {
  const taskOf = new Map<JobVertex, { head: JobVertex; vertices: JobVertex[] }>();
  const tasks: { head: JobVertex; vertices: JobVertex[] }[] = [];
  for (const vertex of graph.vertices) {
    const chainedInput = vertex.inputs.find((e) => e.chained);
    const task = chainedInput === undefined ? undefined : taskOf.get(chainedInput.source);
    if (task === undefined) {
      const created = { head: vertex, vertices: [vertex] };
      tasks.push(created);
      taskOf.set(vertex, created);
    } else {
      task.vertices.push(vertex);
      taskOf.set(vertex, task);
    }
  }
  return tasks.map((t, i) => ({ index: i + 1, head: t.head, vertices: t.vertices, parallelism: t.head.parallelism }));
}

/** `source`, `sink`, `keyed`, `two-input` or `operator`. */
export function operatorKind(vertex: JobVertex): string {
  const t = vertex.transformation;
  if (t.kind === 'source') return 'source';
  if (t.kind === 'oneInput' && t.isSink) return 'sink';
  const keyed = t.keyed ? 'keyed' : undefined;
  const twoInput = t.kind === 'twoInput' ? 'two-input' : undefined;
  return [keyed, twoInput].filter((s) => s !== undefined).join(', ') || 'operator';
}

/** How an edge moves records: its partitioner, and the side output or second input it carries. */
export function edgeLabel(edge: JobEdge): string {
  const parts: string[] = [edge.partitioner.kind];
  if (edge.tag !== undefined) parts.push(`side output '${edge.tag.id}'`);
  if (edge.target.transformation.kind === 'twoInput') parts.push(`input ${edge.inputIndex + 1}`);
  return parts.join(' · ');
}

function numbering(graph: JobGraph): Map<JobVertex, number> {
  return new Map(graph.vertices.map((v, i) => [v, i + 1]));
}

function operatorText(vertex: JobVertex, number: number): string {
  const details = [operatorKind(vertex)];
  if (vertex.uid !== undefined) details.push(`uid ${vertex.uid}`);
  return `#${number} ${vertex.name} (${details.join(', ')})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The graph as indented text: one block per task (its chain as a tree), then the exchanges. */
export function describeText(graph: JobGraph, options: DescribeOptions = {}): string {
  const tasks = tasksOf(graph);
  const number = numbering(graph);
  const taskIndex = new Map<JobVertex, number>();
  for (const task of tasks) for (const v of task.vertices) taskIndex.set(v, task.index);
  const lines: string[] = [];
  if (options.name !== undefined) lines.push(`Pipeline ${options.name}${options.description ? `: ${options.description}` : ''}`);
  if (options.options !== undefined && options.options.length > 0) lines.push('Pipeline options:', formatPipelineOptions(options.options));
  lines.push(`${plural(graph.vertices.length, 'operator')} in ${plural(tasks.length, 'task')}, max parallelism ${graph.maxParallelism}`);
  for (const task of tasks) {
    lines.push('', `Task ${task.index} · parallelism ${task.parallelism}`);
    const walk = (vertex: JobVertex, prefix: string, edge: JobEdge | undefined, last: boolean): void => {
      const branch = edge === undefined ? '' : last ? '└─ ' : '├─ ';
      const via = edge === undefined || edge.tag === undefined ? '' : `[side output '${edge.tag.id}'] `;
      lines.push(`  ${prefix}${branch}${via}${operatorText(vertex, number.get(vertex) ?? 0)}`);
      const children = vertex.outputs.filter((e) => e.chained);
      const childPrefix = edge === undefined ? prefix : prefix + (last ? '   ' : '│  ');
      children.forEach((child, i) => walk(child.target, childPrefix, child, i === children.length - 1));
    };
    walk(task.head, '', undefined, true);
  }
  const exchanges = graph.vertices.flatMap((v) => v.inputs.filter((e) => !e.chained));
  if (exchanges.length > 0) {
    lines.push('', 'Exchanges (between tasks)');
    for (const e of exchanges) {
      lines.push(
        `  Task ${taskIndex.get(e.source)} → Task ${taskIndex.get(e.target)}: #${number.get(e.source)} ${e.source.name} → #${number.get(e.target)} ${e.target.name} [${edgeLabel(e)}]`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Escapes text for a quoted Mermaid label. */
function mermaidText(text: string): string {
  return text.replaceAll('#', '#35;').replaceAll('&', '#amp;').replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;');
}

/**
 * The graph as a Mermaid flowchart: a subgraph per task; chained edges as
 * plain arrows inside it, exchanges as thick arrows labelled with the
 * partitioner, side outputs dotted.
 */
export function describeMermaid(graph: JobGraph, options: DescribeOptions = {}): string {
  const tasks = tasksOf(graph);
  const number = numbering(graph);
  const id = (v: JobVertex): string => `op${number.get(v)}`;
  const lines: string[] = [];
  if (options.name !== undefined) lines.push('---', `title: ${JSON.stringify(options.name)}`, '---');
  lines.push('flowchart LR');
  for (const task of tasks) {
    lines.push(`  subgraph task${task.index}["Task ${task.index} · parallelism ${task.parallelism}"]`);
    for (const v of task.vertices) {
      const details = [operatorKind(v), ...(v.uid === undefined ? [] : [`uid ${v.uid}`])].map(mermaidText).join(' · ');
      lines.push(`    ${id(v)}["#${number.get(v)} ${mermaidText(v.name)}<br/>${details}"]`);
    }
    for (const v of task.vertices) {
      for (const e of v.inputs.filter((edge) => edge.chained)) {
        lines.push(e.tag === undefined ? `    ${id(e.source)} --> ${id(v)}` : `    ${id(e.source)} -.->|"${mermaidText(`side output '${e.tag.id}'`)}"| ${id(v)}`);
      }
    }
    lines.push('  end');
  }
  for (const v of graph.vertices) {
    for (const e of v.inputs.filter((edge) => !edge.chained)) {
      const arrow = e.tag === undefined ? '==>' : '-.->';
      lines.push(`  ${id(e.source)} ${arrow}|"${mermaidText(edgeLabel(e))}"| ${id(v)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

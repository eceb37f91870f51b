/**
 * Plans a job: from the transformations reachable from the sinks to a graph
 * of operator vertices (each with a parallelism) and edges (each with a
 * partitioner), deciding which edges are chained — fused into one task and
 * called synchronously — and which cross a task boundary through an
 * exchange. An edge is chained when it is a forward edge between vertices of
 * equal parallelism into a one-input operator that has no other input.
 */
import type { OutputTag } from '../api/OutputTag.js';
import type { OperatorTransformation, Partitioner, Transformation } from '../api/Transformation.js';
import { InvalidProgramError } from '../errors.js';

export interface JobEdge {
  readonly source: JobVertex;
  /** The side output this edge carries, or undefined for the main output. */
  readonly tag: OutputTag<unknown> | undefined;
  readonly target: JobVertex;
  /** 0, or 1 for the second input of a two-input operator. */
  readonly inputIndex: number;
  readonly partitioner: Partitioner;
  readonly chained: boolean;
}

export interface JobVertex {
  readonly id: number;
  readonly transformation: OperatorTransformation;
  readonly name: string;
  readonly uid: string | undefined;
  readonly parallelism: number;
  readonly inputs: JobEdge[];
  readonly outputs: JobEdge[];
}

export interface JobGraph {
  /** Vertices in topological order (every producer before its consumers). */
  readonly vertices: readonly JobVertex[];
  readonly maxParallelism: number;
}

interface ResolvedInput {
  readonly producer: OperatorTransformation;
  readonly tag: OutputTag<unknown> | undefined;
  readonly partitioner: Partitioner | undefined;
}

const FORWARD: Partitioner = { kind: 'forward' };

/** Follows routing nodes (partition, union, side output) up to the operators that produce a consumer's input. */
function resolveInputs(t: Transformation, partitioner: Partitioner | undefined, tag: OutputTag<unknown> | undefined): ResolvedInput[] {
  switch (t.kind) {
    case 'partition':
      // The partitioner nearest to the consumer wins.
      return resolveInputs(t.input, partitioner ?? t.partitioner, tag);
    case 'union':
      return t.inputs.flatMap((input) => resolveInputs(input, partitioner, tag));
    case 'sideOutput':
      return resolveInputs(t.input, partitioner, t.tag);
    default:
      return [{ producer: t, tag, partitioner }];
  }
}

function operatorInputs(t: OperatorTransformation): Array<{ input: Transformation; index: number }> {
  if (t.kind === 'source') return [];
  if (t.kind === 'oneInput') return [{ input: t.input, index: 0 }];
  return [
    { input: t.input1, index: 0 },
    { input: t.input2, index: 1 },
  ];
}

export interface PlanOptions {
  readonly defaultParallelism: number;
  readonly maxParallelism: number;
}

/** Builds the job graph for the given sinks. */
export function buildJobGraph(sinks: readonly OperatorTransformation[], options: PlanOptions): JobGraph {
  if (sinks.length === 0) {
    throw new InvalidProgramError('The job has no sinks: add one with sinkTo(), executeAndCollect() or toObservable() before execute()');
  }
  const vertices = new Map<number, JobVertex>();
  const order: JobVertex[] = [];

  const visit = (t: OperatorTransformation, path: Set<number>): JobVertex => {
    const existing = vertices.get(t.id);
    if (existing !== undefined) return existing;
    if (path.has(t.id)) throw new InvalidProgramError(`The job graph has a cycle through '${t.name}'`);
    path.add(t.id);
    const resolved = operatorInputs(t).flatMap(({ input, index }) =>
      resolveInputs(input, undefined, undefined).map((r) => ({ ...r, index, vertex: visit(r.producer, path) })),
    );
    path.delete(t.id);
    const vertex: JobVertex = {
      id: t.id,
      transformation: t,
      name: t.name,
      uid: t.uid,
      parallelism: parallelismOf(t, options),
      inputs: [],
      outputs: [],
    };
    for (const r of resolved) {
      const forward = (r.partitioner ?? FORWARD).kind === 'forward';
      const sameParallelism = r.vertex.parallelism === vertex.parallelism;
      const partitioner: Partitioner = forward && !sameParallelism ? { kind: 'rebalance' } : (r.partitioner ?? FORWARD);
      const chained = forward && sameParallelism && t.kind === 'oneInput' && resolved.length === 1;
      const edge: JobEdge = { source: r.vertex, tag: r.tag, target: vertex, inputIndex: r.index, partitioner, chained };
      vertex.inputs.push(edge);
      r.vertex.outputs.push(edge);
    }
    vertices.set(t.id, vertex);
    order.push(vertex);
    return vertex;
  };

  for (const sink of sinks) visit(sink, new Set());
  checkUids(order);
  return { vertices: order, maxParallelism: options.maxParallelism };
}

function parallelismOf(t: OperatorTransformation, options: PlanOptions): number {
  const sourceMax = t.kind === 'source' ? t.source.maxParallelism : undefined;
  const requested = t.parallelism ?? (sourceMax === 1 ? 1 : options.defaultParallelism);
  if (sourceMax !== undefined && requested > sourceMax) {
    throw new InvalidProgramError(`Source '${t.name}' supports a parallelism of at most ${sourceMax}, but ${requested} was requested`);
  }
  if (requested > options.maxParallelism) {
    throw new InvalidProgramError(
      `Operator '${t.name}' has parallelism ${requested}, above the job's maxParallelism ${options.maxParallelism}`,
    );
  }
  return requested;
}

function checkUids(vertices: readonly JobVertex[]): void {
  const seen = new Map<string, string>();
  for (const v of vertices) {
    if (v.uid === undefined) continue;
    const other = seen.get(v.uid);
    if (other !== undefined) throw new InvalidProgramError(`Operators '${other}' and '${v.name}' share the uid '${v.uid}'; uids must be unique`);
    seen.set(v.uid, v.name);
  }
}

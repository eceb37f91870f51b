/**
 * The logical plan: every DataStream is backed by a Transformation node. The
 * runtime turns the nodes reachable from the sinks into operators, chains
 * and exchanges (see runtime/JobGraph.ts).
 */
import type { Key, KeySelector } from './functions.js';
import type { OutputTag } from './OutputTag.js';
import type { StreamOperator } from '../operators/StreamOperator.js';
import type { Source } from '../sources/Source.js';
import type { WatermarkStrategy } from '../time/WatermarkStrategy.js';

/** How records travel from one operator to the next. */
export type Partitioner =
  /** Subtask i to subtask i; chained when parallelism matches (the default). */
  | { readonly kind: 'forward' }
  /** Round-robin over the consumer's subtasks. */
  | { readonly kind: 'rebalance' }
  /** By key group of the selected key (keyBy). */
  | { readonly kind: 'hash'; readonly keySelector: KeySelector<any, Key> }
  /** Every record to every consumer subtask. */
  | { readonly kind: 'broadcast' }
  /** Everything to subtask 0. */
  | { readonly kind: 'global' };

interface Common {
  readonly id: number;
  name: string;
  uid: string | undefined;
  /** Undefined: the environment's default parallelism. */
  parallelism: number | undefined;
}

export interface SourceTransformation extends Common {
  readonly kind: 'source';
  readonly source: Source<any, any>;
  readonly watermarkStrategy: WatermarkStrategy<any>;
}

export interface OneInputTransformation extends Common {
  readonly kind: 'oneInput';
  readonly input: Transformation;
  readonly factory: () => StreamOperator<any>;
  /** Set on keyed operators: they get keyed state and timers. */
  readonly keyed: boolean;
  /** Route records whose user function throws to the dead-letter side output instead of failing. */
  deadLetters: boolean;
  /** A sink: consumes records, produces none. */
  readonly isSink: boolean;
}

export interface TwoInputTransformation extends Common {
  readonly kind: 'twoInput';
  readonly input1: Transformation;
  readonly input2: Transformation;
  readonly factory: () => StreamOperator<any>;
  readonly keyed: boolean;
  deadLetters: boolean;
}

export interface PartitionTransformation extends Common {
  readonly kind: 'partition';
  readonly input: Transformation;
  readonly partitioner: Partitioner;
}

export interface UnionTransformation extends Common {
  readonly kind: 'union';
  readonly inputs: readonly Transformation[];
}

export interface SideOutputTransformation extends Common {
  readonly kind: 'sideOutput';
  readonly input: Transformation;
  readonly tag: OutputTag<any>;
}

export type Transformation =
  | SourceTransformation
  | OneInputTransformation
  | TwoInputTransformation
  | PartitionTransformation
  | UnionTransformation
  | SideOutputTransformation;

/** A transformation that runs an operator (as opposed to a routing node). */
export type OperatorTransformation = SourceTransformation | OneInputTransformation | TwoInputTransformation;

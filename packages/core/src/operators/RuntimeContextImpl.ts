/**
 * Builds the RuntimeContext a user function's `open` receives from the
 * operator's context. State getters fail clearly on non-keyed streams.
 */
import type { RuntimeContext } from '../api/functions.js';
import { InvalidProgramError } from '../errors.js';
import type { KeyedStateAccess } from '../state/KeyedStateAccess.js';
import type { OperatorContext } from './StreamOperator.js';

export function createRuntimeContext(ctx: OperatorContext<unknown>): RuntimeContext {
  const keyed = (): KeyedStateAccess => {
    if (ctx.keyed === undefined) {
      throw new InvalidProgramError(
        `Operator '${ctx.name}' asked for keyed state, but keyed state is only available after keyBy()`,
      );
    }
    return ctx.keyed;
  };
  return {
    operatorName: ctx.name,
    subtaskIndex: ctx.subtaskIndex,
    parallelism: ctx.parallelism,
    maxParallelism: ctx.maxParallelism,
    getState: (d) => keyed().getValueState(d),
    getListState: (d) => keyed().getListState(d),
    getMapState: (d) => keyed().getMapState(d),
    getReducingState: (d) => keyed().getReducingState(d),
    getAggregatingState: (d) => keyed().getAggregatingState(d),
  };
}

/**
 * OutputTag: names a side output of a process function, a window operator's
 * late data, or an operator's dead letters.
 *
 * ```ts
 * const invalid = new OutputTag<RawEvent>('invalid');
 * const valid = events.process({ processElement(e, ctx, out) { isValid(e) ? out.collect(e) : ctx.output(invalid, e); } });
 * valid.getSideOutput(invalid).sinkTo(quarantine);
 * ```
 * Two tags are the same side output when their ids are equal.
 */
import { checkArgument } from '../errors.js';

export class OutputTag<T> {
  /** Phantom field that carries the element type; never set. */
  declare readonly __type?: T;

  constructor(readonly id: string) {
    checkArgument(typeof id === 'string' && id.length > 0, 'OutputTag id must be a non-empty string');
  }

  toString(): string {
    return `OutputTag(${this.id})`;
  }
}

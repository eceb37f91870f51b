// Property suite 4: keyed state and timers. A KeyedProcessFunction counting
// records per key and firing an event-time timer `delay` after a key's first
// record (re-armed after it fires) equals the independent oracle, at any
// parallelism, poll size and buffer size.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import {
  ValueStateDescriptor,
  type Collector,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
} from '@tributary/core';
import { scriptArb } from '../oracles/generators.js';
import { keyedTimerOracle, type TimerEmission } from '../oracles/keyedProcess.js';
import type { DataRecord } from '../oracles/types.js';
import { canonical, runConfigArb, runScript } from './engineHarness.js';

class CountWithTimer implements KeyedProcessFunction<string, DataRecord, TimerEmission> {
  private count!: ValueState<number>;
  private armed!: ValueState<boolean>;

  constructor(private readonly delay: number) {}

  open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count', 0));
    this.armed = ctx.getState(new ValueStateDescriptor<boolean>('armed', false));
  }

  processElement(record: DataRecord, ctx: KeyedProcessContext<string>): void {
    this.count.update((this.count.value() ?? 0) + 1);
    if (this.armed.value() !== true) {
      this.armed.update(true);
      ctx.timerService().registerEventTimeTimer(record.ts + this.delay);
    }
  }

  onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<TimerEmission>): void {
    this.armed.update(false);
    out.collect({ key: ctx.getCurrentKey(), count: this.count.value() ?? 0, timer: timestamp });
  }
}

describe('keyed state and event-time timers', () => {
  test.prop([scriptArb(), fc.integer({ min: 0, max: 12 }), runConfigArb])('equal the oracle', async (script, delay, config) => {
    const { output } = await runScript(script, config, (input) => input.keyBy((r) => r.key).process(new CountWithTimer(delay)));
    expect(canonical(output)).toEqual(canonical(keyedTimerOracle(script, delay)));
  });
});

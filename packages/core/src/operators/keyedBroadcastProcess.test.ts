import { describe, expect, it } from 'vitest';
import type { Collector, RuntimeContext } from '../api/functions.js';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../state/descriptors.js';
import type { ValueState } from '../state/State.js';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { runToCompletion } from '../testing/runToCompletion.js';
import { MAX_WATERMARK } from '../time/watermark.js';
import {
  KeyedBroadcastProcessOperator,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastProcessFunction,
  type KeyedBroadcastReadOnlyContext,
} from './keyedBroadcastProcess.js';

interface Purchase {
  readonly user: string;
  readonly amount: number;
}
interface Rule {
  readonly name: string;
  readonly maxTotal: number;
}
interface Alert {
  readonly user: string;
  readonly rule: string;
  readonly total: number;
}

const rules = new MapStateDescriptor<string, Rule>('rules');
const totalDescriptor = new ValueStateDescriptor<number>('total', 0);

/**
 * Alerts when a user's total spend crosses a rule's limit: on purchases
 * (processElement reads the rules) and when a rule arrives (it is applied to
 * every user's total so far with applyToKeyedState). Each (user, rule) alerts
 * once, whatever the order of the two inputs.
 */
class SpendLimits implements KeyedBroadcastProcessFunction<string, Purchase, Rule, Alert> {
  private total!: ValueState<number>;

  open(ctx: RuntimeContext): void {
    this.total = ctx.getState(totalDescriptor);
  }

  processElement(purchase: Purchase, ctx: KeyedBroadcastReadOnlyContext<string>, out: Collector<Alert>): void {
    const before = this.total.value() ?? 0;
    const after = before + purchase.amount;
    this.total.update(after);
    for (const rule of ctx.getBroadcastState(rules).values()) {
      if (before <= rule.maxTotal && after > rule.maxTotal) out.collect({ user: ctx.getCurrentKey(), rule: rule.name, total: after });
    }
  }

  processBroadcastElement(rule: Rule, ctx: KeyedBroadcastContext<string>, out: Collector<Alert>): void {
    ctx.getBroadcastState(rules).put(rule.name, rule);
    ctx.applyToKeyedState(totalDescriptor, (user, total) => {
      const value = total.value() ?? 0;
      if (value > rule.maxTotal) out.collect({ user, rule: rule.name, total: value });
    });
  }
}

describe('KeyedBroadcastProcessOperator', () => {
  function harness(fn: KeyedBroadcastProcessFunction<string, Purchase, Rule, Alert> = new SpendLimits()) {
    return new OperatorTestHarness<Alert, Purchase | Rule>(new KeyedBroadcastProcessOperator(fn, [rules]), {
      keySelector: (p) => (p as Purchase).user,
      keySelector2: () => 'unused: broadcast records have no key',
    });
  }

  it('applies a new rule to every key with applyToKeyedState, and later records with the rule', () => {
    const h = harness();
    h.open();
    h.processElement({ user: 'ann', amount: 70 }, 1);
    h.processElement({ user: 'bob', amount: 20 }, 2);
    h.processElement({ user: 'cid', amount: 55 }, 3);
    h.processElement({ name: 'over-50', maxTotal: 50 }, 4, 1);
    expect(h.timestampedRecords()).toEqual([
      { value: { user: 'ann', rule: 'over-50', total: 70 }, timestamp: 4 },
      { value: { user: 'cid', rule: 'over-50', total: 55 }, timestamp: 4 },
    ]);
    h.clearOutput();
    h.processElement({ user: 'bob', amount: 40 }, 5);
    h.processElement({ user: 'ann', amount: 10 }, 6);
    expect(h.timestampedRecords()).toEqual([{ value: { user: 'bob', rule: 'over-50', total: 60 }, timestamp: 5 }]);
  });

  it('restores the current key after applyToKeyedState', () => {
    const seen: string[] = [];
    const h = harness({
      processElement(p, ctx) {
        seen.push(ctx.getCurrentKey());
      },
      processBroadcastElement(_rule, ctx) {
        ctx.applyToKeyedState(new ListStateDescriptor<number>('unused'), () => {});
      },
    });
    h.open();
    h.processElement({ user: 'ann', amount: 1 }, 1);
    h.processElement({ name: 'r', maxTotal: 1 }, 2, 1);
    expect(h.keyed?.getCurrentKey()).toBe('unused: broadcast records have no key');
    h.processElement({ user: 'bob', amount: 1 }, 3);
    expect(seen).toEqual(['ann', 'bob']);
  });

  it('has keyed timers with read-only broadcast state in onTimer', () => {
    const h = harness({
      processElement(p, ctx) {
        ctx.timerService().registerEventTimeTimer(ctx.timestamp() + 10);
      },
      processBroadcastElement(rule, ctx) {
        ctx.getBroadcastState(rules).put(rule.name, rule);
      },
      onTimer(time: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<Alert>) {
        expect(ctx.timeDomain()).toBe('event-time');
        out.collect({ user: ctx.getCurrentKey(), rule: [...ctx.getBroadcastState(rules).keys()].join(), total: time });
      },
    });
    h.open();
    h.processElement({ name: 'r1', maxTotal: 1 }, 0, 1);
    h.processElement({ user: 'ann', amount: 1 }, 5);
    h.processWatermark(MAX_WATERMARK);
    expect(h.timestampedRecords()).toEqual([{ value: { user: 'ann', rule: 'r1', total: 15 }, timestamp: 15 }]);
  });

  it('snapshots broadcast state beside keyed state and restores both', () => {
    const h = harness();
    h.open();
    h.processElement({ name: 'over-100', maxTotal: 100 }, 1, 1);
    h.processElement({ user: 'ann', amount: 90 }, 2);
    const snapshot = JSON.parse(JSON.stringify(h.snapshot())) as ReturnType<typeof h.snapshot>;
    expect(snapshot.operator).toEqual({ broadcastState: { rules: [['over-100', { name: 'over-100', maxTotal: 100 }]] } });
    const restored = OperatorTestHarness.restored<Alert, Purchase | Rule>(new KeyedBroadcastProcessOperator(new SpendLimits(), [rules]), snapshot, {
      keySelector: (p) => (p as Purchase).user,
    });
    restored.open();
    restored.processElement({ user: 'ann', amount: 20 }, 3);
    expect(restored.records()).toEqual([{ user: 'ann', rule: 'over-100', total: 110 }]);
  });

  it('runs in a job: a rule that arrives after the purchases reaches every key on every subtask', async () => {
    const parallelism = 3;
    const env = StreamEnvironment.create({ parallelism });
    const purchases: Purchase[] = Array.from({ length: 40 }, (_, i) => ({ user: `u${i % 8}`, amount: 10 + (i % 8) }));
    // The rule is sent once every purchase has been counted, so the alerts come from applyToKeyedState.
    let counted = 0;
    let allCounted!: () => void;
    const ready = new Promise<void>((resolve) => {
      allCounted = resolve;
    });
    const ruleStream = env.fromAsyncIterable(
      (async function* () {
        await ready;
        yield { name: 'over-70', maxTotal: 70 } satisfies Rule;
      })(),
    );
    class Counting extends SpendLimits {
      override processElement(p: Purchase, ctx: KeyedBroadcastReadOnlyContext<string>, out: Collector<Alert>): void {
        super.processElement(p, ctx, out);
        if (++counted === purchases.length) allCounted();
      }
    }
    const alerts = env
      .fromCollection(purchases)
      .keyBy((p) => p.user)
      .connect(ruleStream.broadcast(rules))
      .process<Alert>(new Counting());
    const out = await runToCompletion(alerts);
    // Totals: u_k spent 5 × (10 + k) = 50 + 5k; over 70 for k >= 5.
    expect(out.map((a) => `${a.user}:${a.total}`).sort()).toEqual(['u5:75', 'u6:80', 'u7:85']);
  });
});

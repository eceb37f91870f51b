import { describe, expect, it } from 'vitest';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import type { BroadcastState } from '../state/BroadcastState.js';
import { MapStateDescriptor } from '../state/descriptors.js';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { runToCompletion } from '../testing/runToCompletion.js';
import { TestSource } from '../testing/TestSource.js';
import { WatermarkStrategy } from '../time/WatermarkStrategy.js';
import { BroadcastProcessOperator, type BroadcastProcessFunction } from './broadcastProcess.js';

interface Login {
  readonly user: string;
  readonly ip: string;
}

const blocked = new MapStateDescriptor<string, string>('blocked-ips');

/** Drops logins from blocked IPs; the blocklist arrives on the broadcast input. */
const blocklist: BroadcastProcessFunction<Login, { ip: string; reason: string }, Login> = {
  processBroadcastElement(entry, ctx) {
    ctx.getBroadcastState(blocked).put(entry.ip, entry.reason);
  },
  processElement(login, ctx, out) {
    if (!ctx.getBroadcastState(blocked).contains(login.ip)) out.collect(login);
  },
};

describe('BroadcastProcessOperator', () => {
  it('applies broadcast state written by processBroadcastElement in processElement', () => {
    const h = new OperatorTestHarness<Login, unknown>(new BroadcastProcessOperator(blocklist, [blocked]), { inputs: 2 });
    h.open();
    h.processElement({ ip: '10.0.0.1', reason: 'abuse' }, 5, 1);
    h.processElement({ user: 'ann', ip: '10.0.0.1' }, 10, 0);
    h.processElement({ user: 'bob', ip: '10.0.0.2' }, 11, 0);
    expect(h.timestampedRecords()).toEqual([{ value: { user: 'bob', ip: '10.0.0.2' }, timestamp: 11 }]);
  });

  it('makes broadcast state read-only in processElement, with a clear error', () => {
    const sneaky: BroadcastProcessFunction<Login, string, Login> = {
      processBroadcastElement() {},
      processElement(login, ctx) {
        (ctx.getBroadcastState(blocked) as BroadcastState<string, string>).put(login.ip, 'seen');
      },
    };
    const h = new OperatorTestHarness<Login, unknown>(new BroadcastProcessOperator(sneaky, [blocked]), { inputs: 2 });
    h.open();
    expect(() => h.processElement({ user: 'ann', ip: '10.0.0.1' }, 1, 0)).toThrow(
      "Broadcast state 'blocked-ips' is read-only in processElement (put() was called): only processBroadcastElement " +
        'may modify broadcast state, so that every parallel instance keeps the same state',
    );
  });

  it('fails clearly on a descriptor that was not passed to broadcast()', () => {
    const other = new MapStateDescriptor<string, number>('limits');
    const fn: BroadcastProcessFunction<Login, string, Login> = {
      processBroadcastElement(_v, ctx) {
        ctx.getBroadcastState(other).put('a', 1);
      },
      processElement() {},
    };
    const h = new OperatorTestHarness<Login, unknown>(new BroadcastProcessOperator(fn, [blocked]), { inputs: 2, name: 'rules' });
    h.open();
    expect(() => h.processElement('x', 1, 1)).toThrow(
      "Operator 'rules' has no broadcast state 'limits' (declared: 'blocked-ips'): pass its MapStateDescriptor to broadcast(...)",
    );
  });

  it('snapshots broadcast state as JSON-friendly data and restores it', () => {
    const h = new OperatorTestHarness<Login, unknown>(new BroadcastProcessOperator(blocklist, [blocked]), { inputs: 2 });
    h.open();
    h.processElement({ ip: '10.0.0.1', reason: 'abuse' }, 1, 1);
    h.processElement({ ip: '10.0.0.9', reason: 'spam' }, 2, 1);
    const snapshot = JSON.parse(JSON.stringify(h.snapshot())) as ReturnType<typeof h.snapshot>;
    expect(snapshot.operator).toEqual({
      broadcastState: {
        'blocked-ips': [
          ['10.0.0.1', 'abuse'],
          ['10.0.0.9', 'spam'],
        ],
      },
    });
    const restored = OperatorTestHarness.restored<Login, unknown>(new BroadcastProcessOperator(blocklist, [blocked]), snapshot, {
      inputs: 2,
    });
    restored.open();
    restored.processElement({ user: 'ann', ip: '10.0.0.9' }, 3, 0);
    restored.processElement({ user: 'bob', ip: '10.0.0.3' }, 4, 0);
    expect(restored.records()).toEqual([{ user: 'bob', ip: '10.0.0.3' }]);
  });

  it('runs in a job: every parallel instance gets every broadcast record', async () => {
    const parallelism = 3;
    const env = StreamEnvironment.create({ parallelism });
    const ips = [
      { ip: '10.0.0.1', reason: 'abuse' },
      { ip: '10.0.0.2', reason: 'spam' },
    ];
    // Logins start once every instance has the whole blocklist (the inputs are not ordered otherwise).
    let loaded = 0;
    let allLoaded!: () => void;
    const ready = new Promise<void>((resolve) => {
      allLoaded = resolve;
    });
    const logins = env.fromAsyncIterable(
      (async function* () {
        await ready;
        for (let i = 0; i < 30; i++) yield { user: `u${i}`, ip: `10.0.0.${i % 5}` };
      })(),
    );
    const rules = env
      .fromSource(TestSource.from([...ips.map((ip) => TestSource.record(ip)), TestSource.end()]), WatermarkStrategy.noWatermarks(), 'blocklist')
      .setParallelism(1);
    const allowed = logins.rebalance().connect(rules.broadcast(blocked)).process<Login>({
      processBroadcastElement(entry, ctx, out) {
        blocklist.processBroadcastElement(entry, ctx, out);
        if (++loaded === ips.length * parallelism) allLoaded();
      },
      processElement: blocklist.processElement,
    });
    const out = await runToCompletion(allowed);
    expect(out.map((l) => l.user).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => i % 5 !== 1 && i % 5 !== 2)
        .map((i) => `u${i}`)
        .sort(),
    );
  });

  it('fails the job with the read-only message when processElement writes broadcast state', async () => {
    const env = StreamEnvironment.create();
    const stream = env
      .fromElements<Login>({ user: 'ann', ip: '10.0.0.1' })
      .connect(env.fromElements<{ ip: string; reason: string }>().broadcast(blocked))
      .process<Login>({
        processBroadcastElement() {},
        processElement(login, ctx) {
          (ctx.getBroadcastState(blocked) as BroadcastState<string, string>).remove(login.ip);
        },
      })
      .name('filter-logins');
    await expect(runToCompletion(stream)).rejects.toThrow(
      /Operator 'filter-logins' failed on record .*: Broadcast state 'blocked-ips' is read-only in processElement \(remove\(\) was called\)/,
    );
  });
});

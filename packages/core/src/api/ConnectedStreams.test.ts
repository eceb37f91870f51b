import { describe, expect, expectTypeOf, it } from 'vitest';
import type { BroadcastProcessFunction } from '../operators/broadcastProcess.js';
import type { KeyedBroadcastProcessFunction } from '../operators/keyedBroadcastProcess.js';
import type { BroadcastState, ReadOnlyBroadcastState } from '../state/BroadcastState.js';
import { MapStateDescriptor, ValueStateDescriptor } from '../state/descriptors.js';
import type { ValueState } from '../state/State.js';
import type { BroadcastConnectedStreams, ConnectedStreams, KeyedBroadcastConnectedStreams, KeyedConnectedStreams } from './ConnectedStreams.js';
import type { DataStream } from './DataStream.js';
import type { CoProcessFunction, KeyedCoProcessFunction } from './functions.js';
import { StreamEnvironment } from './StreamEnvironment.js';

interface Click {
  readonly user: string;
  readonly page: string;
}
interface Profile {
  readonly user: string;
  readonly country: string;
}

function streams() {
  const env = StreamEnvironment.create();
  const clicks = env.fromElements<Click>({ user: 'ann', page: '/' });
  const profiles = env.fromElements<Profile>({ user: 'ann', country: 'NZ' });
  return { env, clicks, profiles };
}

const countries = new MapStateDescriptor<string, string>('countries');

describe('ConnectedStreams types', () => {
  it('types connect, map, flatMap, process and keyBy', () => {
    const { clicks, profiles } = streams();
    const connected = clicks.connect(profiles);
    expectTypeOf(connected).toEqualTypeOf<ConnectedStreams<Click, Profile>>();
    expectTypeOf(connected.map((c) => c.page, (p) => p.country)).toEqualTypeOf<DataStream<string>>();
    expectTypeOf(connected.map<string | number>((c) => c.page, (p) => p.country.length)).toEqualTypeOf<DataStream<string | number>>();
    expectTypeOf(connected.flatMap<string>((c, out) => out.collect(c.page), () => {})).toEqualTypeOf<DataStream<string>>();
    // @ts-expect-error the second function gets Profiles
    connected.map((c: Click) => c.page, (p: Click) => p.page);

    const co: CoProcessFunction<Click, Profile, string> = { processElement1() {}, processElement2() {} };
    expectTypeOf(connected.process(co)).toEqualTypeOf<DataStream<string>>();

    const keyed = connected.keyBy((c) => c.user, (p) => p.user);
    expectTypeOf(keyed).toEqualTypeOf<KeyedConnectedStreams<string, Click, Profile>>();
    const keyedFn: KeyedCoProcessFunction<string, Click, Profile, string> = { processElement1() {}, processElement2() {} };
    expectTypeOf(keyed.process(keyedFn)).toEqualTypeOf<DataStream<string>>();
    keyed.process<string>({
      processElement1(click, ctx, out) {
        expectTypeOf(ctx.getCurrentKey()).toEqualTypeOf<string>();
        ctx.timerService().registerEventTimeTimer(1);
        out.collect(click.page);
      },
      processElement2(profile) {
        expectTypeOf(profile).toEqualTypeOf<Profile>();
      },
      onTimer(time, ctx) {
        expectTypeOf(ctx.timeDomain()).toEqualTypeOf<'event-time' | 'processing-time'>();
      },
    });
    // @ts-expect-error both key selectors must return the same key type
    connected.keyBy((c) => c.user, (p) => p.country.length);
    expect(() =>
      // @ts-expect-error a keyed connected stream needs a keyed co-process function, not a broadcast one
      keyed.process({ processElement() {}, processBroadcastElement() {} }),
    ).toThrow('KeyedConnectedStreams.process() needs a KeyedCoProcessFunction (processElement1 and processElement2)');
  });

  it('types the broadcast functions and their contexts', () => {
    const fn: BroadcastProcessFunction<Click, Profile, string> = {
      processElement(click, ctx, out) {
        expectTypeOf(ctx.getBroadcastState(countries)).toEqualTypeOf<ReadOnlyBroadcastState<string, string>>();
        // @ts-expect-error processElement sees read-only broadcast state
        ctx.getBroadcastState(countries).put('a', 'b');
        out.collect(click.page);
      },
      processBroadcastElement(profile, ctx) {
        expectTypeOf(ctx.getBroadcastState(countries)).toEqualTypeOf<BroadcastState<string, string>>();
        ctx.getBroadcastState(countries).put(profile.user, profile.country);
      },
    };
    const keyedFn: KeyedBroadcastProcessFunction<string, Click, Profile, string> = {
      processElement(_click, ctx) {
        expectTypeOf(ctx.getCurrentKey()).toEqualTypeOf<string>();
        ctx.timerService().registerProcessingTimeTimer(1);
      },
      processBroadcastElement(_profile, ctx) {
        ctx.applyToKeyedState(new ValueStateDescriptor<number>('count'), (key, state) => {
          expectTypeOf(key).toEqualTypeOf<string>();
          expectTypeOf(state).toEqualTypeOf<ValueState<number>>();
        });
        // @ts-expect-error a broadcast record has no current key
        ctx.getCurrentKey();
      },
    };
    const { clicks, profiles } = streams();
    const broadcastConnected: BroadcastConnectedStreams<Click, Profile> = clicks.connect(profiles.broadcast(countries));
    expectTypeOf(broadcastConnected.process(fn)).toEqualTypeOf<DataStream<string>>();
    expect(() =>
      // @ts-expect-error a broadcast-connected stream needs a broadcast process function
      broadcastConnected.process({ processElement1() {}, processElement2() {} }),
    ).toThrow(/needs a BroadcastProcessFunction/);
    const keyedBroadcast: KeyedBroadcastConnectedStreams<string, Click, Profile> = clicks
      .keyBy((c) => c.user)
      .connect(profiles.broadcast(countries));
    expectTypeOf(keyedBroadcast.process(keyedFn)).toEqualTypeOf<DataStream<string>>();
    const wrongKey: KeyedBroadcastProcessFunction<number, Click, Profile, string> = { processElement() {}, processBroadcastElement() {} };
    // @ts-expect-error the function's key type must match the stream's
    keyedBroadcast.process(wrongKey);
  });
});

describe('ConnectedStreams checks', () => {
  it('rejects functions that do not fit the connection', () => {
    const { clicks, profiles } = streams();
    const broadcastFn = { processElement() {}, processBroadcastElement() {} };
    expect(() => clicks.connect(profiles).process(broadcastFn as never)).toThrow(
      'ConnectedStreams.process() needs a CoProcessFunction (processElement1 and processElement2); ' +
        'processBroadcastElement applies only to a stream connected with broadcast(descriptor)',
    );
    // Typed as the general class on purpose: the checks below guard callers that bypass the types.
    const broadcastConnected = clicks.connect(profiles.broadcast(countries)) as unknown as ConnectedStreams<Click, Profile>;
    expect(() => broadcastConnected.process({ processElement1() {}, processElement2() {} } as never)).toThrow(
      'A stream connected with a broadcast stream needs a BroadcastProcessFunction (processElement and processBroadcastElement)',
    );
    expect(() => broadcastConnected.process({ ...broadcastFn, onTimer() {} } as never)).toThrow(
      'onTimer needs a keyed first input: call keyBy() before connect(broadcastStream)',
    );
    expect(() => broadcastConnected.keyBy((c) => c.user, (p) => p.user)).toThrow(
      'keyBy() does not apply to a stream connected with a broadcast stream: use process(BroadcastProcessFunction)',
    );
    expect(() => broadcastConnected.map((c) => c.user, (p) => p.user)).toThrow(/map\(\) does not apply/);
  });

  it('plans two-input operators: keyed inputs hash-partitioned, the broadcast input broadcast', () => {
    const { env, clicks, profiles } = streams();
    clicks
      .keyBy((c) => c.user)
      .connect(profiles.broadcast(countries))
      .process({ processElement() {}, processBroadcastElement() {} })
      .sinkTo(() => {});
    clicks
      .connect(profiles)
      .keyBy((c) => c.user, (p) => p.user)
      .process({ processElement1() {}, processElement2() {} })
      .sinkTo(() => {});
    const vertices = env.plan().vertices;
    const describe = (name: string) => {
      const v = vertices.find((x) => x.name === name);
      const t = v?.transformation;
      return { keyed: t?.kind === 'twoInput' && t.keyed, inputs: v?.inputs.map((e) => [e.inputIndex, e.partitioner.kind]) };
    };
    expect(describe('KeyedBroadcastProcess')).toEqual({ keyed: true, inputs: [[0, 'hash'], [1, 'broadcast']] });
    expect(describe('KeyedCoProcess')).toEqual({ keyed: true, inputs: [[0, 'hash'], [1, 'hash']] });
  });
});

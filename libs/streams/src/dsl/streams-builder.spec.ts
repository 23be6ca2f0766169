import { describe, expect, it } from '@jest/globals';
import { jsonSerde, stringSerde } from '@lib/kafka';
import { TopologyTestDriver } from '../testing/topology-test-driver.js';
import { StreamsBuilder } from './streams-builder.js';

interface Adt {
  type: string;
  event: string;
  patientClass: string;
}
const adtSerdes = { key: stringSerde, value: jsonSerde<Adt>() };
const adt = (event: string, patientClass = 'I'): Adt => ({ type: 'ADT', event, patientClass });

describe('StreamsBuilder + TopologyTestDriver', () => {
  it('filters, maps values and writes to a sink, in input order', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', adtSerdes)
      .filter((_k, v) => v.event !== 'A08')
      .mapValues((v) => `${v.type}^${v.event}`)
      .to('out', { key: stringSerde, value: stringSerde }, 'to-out');
    const driver = new TopologyTestDriver(builder.build());
    for (const [mrn, event] of [
      ['M1', 'A01'],
      ['M2', 'A08'],
      ['M1', 'A03'],
    ] as const)
      await driver.pipeInput('in', mrn, adt(event));
    expect(await driver.readOutput('out')).toEqual([
      { key: 'M1', value: 'ADT^A01', headers: {} },
      { key: 'M1', value: 'ADT^A03', headers: {} },
    ]);
  });

  it('splits into named branches: first matching branch wins, the rest go to the default branch', async () => {
    const builder = new StreamsBuilder();
    const split = builder.stream('in', adtSerdes).split('route');
    split.branch('inpatient', (_k, v) => v.patientClass === 'I').to('inpatient', adtSerdes, 'to-inpatient');
    split.branch('admits', (_k, v) => v.event === 'A01').to('admits', adtSerdes, 'to-admits');
    split.defaultBranch().to('other', adtSerdes, 'to-other');
    const driver = new TopologyTestDriver(builder.build());
    await driver.pipeInput('in', 'M1', adt('A01', 'I'));
    await driver.pipeInput('in', 'M2', adt('A01', 'O'));
    await driver.pipeInput('in', 'M3', adt('A03', 'E'));
    expect((await driver.readOutput<string, Adt>('inpatient')).map((r) => r.key)).toEqual(['M1']);
    expect((await driver.readOutput<string, Adt>('admits')).map((r) => r.key)).toEqual(['M2']);
    expect((await driver.readOutput<string, Adt>('other')).map((r) => r.key)).toEqual(['M3']);
  });

  it('fans one record out to several topics with flatMap and a topic extractor, keeping key and headers', async () => {
    const targets = ['lab', 'radiology'];
    const builder = new StreamsBuilder();
    builder
      .stream('in', adtSerdes)
      .flatMap((k, v) => targets.map((t) => [k, { ...v, target: t }] as [string, Adt & { target: string }]))
      .withHeaders((_k, v) => ({ 'hl7.route': v.target }))
      .to((_k, v) => `hl7.route.${v.target}.v1`, { key: stringSerde, value: jsonSerde() }, 'to-route');
    const driver = new TopologyTestDriver(builder.build());
    await driver.pipeInput('in', 'M1', adt('A01'), { headers: { 'hl7.control-id': 'C1' } });
    expect(driver.outputTopics()).toEqual(['hl7.route.lab.v1', 'hl7.route.radiology.v1']);
    const [lab] = await driver.readOutput<string, Adt>('hl7.route.lab.v1');
    expect(lab).toMatchObject({ key: 'M1', headers: { 'hl7.control-id': 'C1', 'hl7.route': 'lab' } });
  });

  it('joins a stream with a table (inner drops, left keeps), and a tombstone deletes from the table', async () => {
    const builder = new StreamsBuilder();
    const patients = builder.table('patients', { key: stringSerde, value: jsonSerde<{ name: string }>() }, 'patients-store');
    const events = builder.stream('in', adtSerdes);
    events.join(patients, (v, p) => `${v.event}:${p.name}`).to('joined', { key: stringSerde, value: stringSerde }, 'to-joined');
    events.leftJoin(patients, (v, p) => `${v.event}:${p?.name ?? '?'}`).to('left', { key: stringSerde, value: stringSerde }, 'to-left');
    const driver = new TopologyTestDriver(builder.build());
    await driver.pipeInput('patients', 'M1', { name: 'one' });
    await driver.pipeInput('in', 'M1', adt('A01'));
    await driver.pipeInput('in', 'M2', adt('A01'));
    await driver.pipeInput('patients', 'M1', null);
    await driver.pipeInput('in', 'M1', adt('A08'));
    expect((await driver.readOutput('joined')).map((r) => r.value)).toEqual(['A01:one']);
    expect((await driver.readOutput('left')).map((r) => r.value)).toEqual(['A01:one', 'A01:?', 'A08:?']);
    expect(driver.store('patients-store').size).toBe(0);
  });

  it('aggregates per key into a store and writes every update to the changelog topic', async () => {
    const builder = new StreamsBuilder();
    builder
      .stream('in', adtSerdes)
      .groupByKey()
      .aggregate(
        () => ({ events: [] as string[] }),
        (_k, v, agg) => ({ events: [...agg.events, v.event] }),
        {
          storeName: 'history',
          changelogTopic: 'history-changelog',
          serdes: { key: stringSerde, value: jsonSerde<{ events: string[] }>() },
        },
      )
      .toStream()
      .mapValues((agg) => agg.events.length)
      .to('counts', { key: stringSerde, value: jsonSerde<number>() }, 'to-counts');
    const driver = new TopologyTestDriver(builder.build());
    for (const [mrn, event] of [
      ['M1', 'A01'],
      ['M2', 'A04'],
      ['M1', 'A02'],
      ['M1', 'A03'],
    ] as const)
      await driver.pipeInput('in', mrn, adt(event));
    expect(driver.store<{ events: string[] }>('history').get('M1')).toEqual({ events: ['A01', 'A02', 'A03'] });
    expect(
      (await driver.readOutput<string, { events: string[] }>('history-changelog')).map((r) => `${r.key}:${r.value.events.join(',')}`),
    ).toEqual(['M1:A01', 'M2:A04', 'M1:A01,A02', 'M1:A01,A02,A03']);
    expect((await driver.readOutput<string, number>('counts')).map((r) => r.value)).toEqual([1, 1, 2, 3]);
  });

  it('keeps a store in the order of its puts, and writes a tombstone for each entry deleteOldest evicts', async () => {
    const builder = new StreamsBuilder();
    const recent = builder.stateStore('recent', 'recent-changelog', jsonSerde<number>(), { evictsOldest: true });
    builder.stream('in', adtSerdes).process<string, string>(
      (record, context) => {
        const store = context.store(recent);
        store.put(record.key, store.size);
        if (store.size > 2) expect(store.deleteOldest(store.size - 2)).toEqual(['M1']);
      },
      { name: 'keep-two', stores: [recent] },
    );
    const driver = new TopologyTestDriver(builder.build());
    // M1, M2, then each put again (a put moves a key to the end: M1 then M2), then M3: the oldest, M1, goes.
    for (const mrn of ['M1', 'M2', 'M1', 'M2', 'M3']) await driver.pipeInput('in', mrn, adt('A08'));
    expect([...driver.store<number>('recent').all()].map(([key]) => key)).toEqual(['M2', 'M3']);
    expect((await driver.readOutput<string, number | null>('recent-changelog')).map((r) => `${r.key}=${r.value}`)).toEqual([
      'M1=0',
      'M2=1',
      'M1=2',
      'M2=2',
      'M3=2',
      'M1=null',
    ]);
  });

  it('refuses deleteOldest on a store not declared to evict (it would walk the entries deleted before)', async () => {
    const builder = new StreamsBuilder();
    const plain = builder.stateStore('plain', 'plain-changelog', jsonSerde<number>());
    builder.stream('in', adtSerdes).process<string, string>(
      (record, context) => {
        context.store(plain).put(record.key, 1);
        context.store(plain).deleteOldest(1);
      },
      { name: 'trim', stores: [plain] },
    );
    const driver = new TopologyTestDriver(builder.build());
    await expect(driver.pipeInput('in', 'M1', adt('A08'))).rejects.toThrow('plain keeps no order of arrival');
  });

  it('runs a custom process() step with a logged state store: every change goes to the changelog', async () => {
    const builder = new StreamsBuilder();
    const seenStore = builder.stateStore('seen', 'seen-changelog', jsonSerde<number>());
    builder
      .stream('in', adtSerdes)
      .process<string, string>(
        (record, context) => {
          const seen = context.store(seenStore);
          const id = `${record.key}/${record.value.event}`;
          const count = (seen.get(id) ?? 0) + 1;
          seen.put(id, count);
          if (record.value.event === 'A11') seen.delete(`${record.key}/A01`);
          if (count === 1) context.forward({ ...record, value: id });
        },
        { name: 'first-only', stores: [seenStore] },
      )
      .to('out', { key: stringSerde, value: stringSerde }, 'to-out');
    const driver = new TopologyTestDriver(builder.build());
    for (const event of ['A01', 'A01', 'A11', 'A01']) await driver.pipeInput('in', 'M1', adt(event));
    expect((await driver.readOutput('out')).map((r) => r.value)).toEqual(['M1/A01', 'M1/A11', 'M1/A01']);
    expect((await driver.readOutput<string, number | null>('seen-changelog')).map((r) => `${r.key}=${r.value}`)).toEqual([
      'M1/A01=1',
      'M1/A01=2',
      'M1/A11=1',
      'M1/A01=null',
      'M1/A01=1',
    ]);
    expect([...driver.store<number>('seen').all()]).toEqual([
      ['M1/A11', 1],
      ['M1/A01', 1],
    ]);
  });

  it('narrows the stream with a type-guard filter (no cast downstream)', async () => {
    type Out = { kind: 'note'; text: string } | { kind: 'count'; n: number };
    const builder = new StreamsBuilder();
    builder
      .stream('in', { key: stringSerde, value: jsonSerde<Out>() })
      .filter((_k, v): v is Extract<Out, { kind: 'count' }> => v.kind === 'count', 'counts-only')
      .mapValues((v) => v.n * 2, 'double')
      .to('out', { key: stringSerde, value: jsonSerde<number>() }, 'to-out');
    const driver = new TopologyTestDriver(builder.build());
    await driver.pipeInput('in', 'k', { kind: 'note', text: 'x' });
    await driver.pipeInput('in', 'k', { kind: 'count', n: 21 });
    expect((await driver.readOutput<string, number>('out')).map((r) => r.value)).toEqual([42]);
  });

  it('merges two streams into one downstream path', async () => {
    const builder = new StreamsBuilder();
    const fromA = builder.stream('a', adtSerdes).mapValues((v) => `a:${v.event}`);
    const fromB = builder.stream('b', adtSerdes).mapValues((v) => `b:${v.event}`);
    fromA.merge(fromB, 'both').to('out', { key: stringSerde, value: stringSerde }, 'to-out');
    const driver = new TopologyTestDriver(builder.build());
    await driver.pipeInput('a', 'M1', adt('A01'));
    await driver.pipeInput('b', 'M2', adt('A04'));
    await driver.pipeInput('a', 'M1', adt('A03'));
    expect((await driver.readOutput('out')).map((r) => `${r.key}=${r.value}`)).toEqual(['M1=a:A01', 'M2=b:A04', 'M1=a:A03']);
  });

  it('refuses a process() step the use of a store it was not connected to', async () => {
    const builder = new StreamsBuilder();
    const seen = builder.stateStore('seen', 'seen-changelog', jsonSerde<number>());
    builder
      .stream('in', adtSerdes)
      .process<string, string>((_record, context) => context.store(seen).put('x', 1), { name: 'unconnected' })
      .to('out', { key: stringSerde, value: stringSerde }, 'to-out');
    await expect(new TopologyTestDriver(builder.build()).pipeInput('in', 'M1', adt('A01'))).rejects.toThrow(
      'is not connected to store seen',
    );
  });

  it('describes the topology: sources, processors, sinks and stores', () => {
    const builder = new StreamsBuilder();
    const table = builder.table('hl7.patient-state.v1', { key: stringSerde, value: jsonSerde() }, 'patient-state');
    const split = builder
      .stream('hl7.adt.v1', adtSerdes, 'adt-source')
      .leftJoin(table, (v) => v, 'enrich')
      .split('route');
    split.branch('lab', (_k, v) => v.patientClass === 'I').to('hl7.route.lab.v1', adtSerdes, 'to-lab');
    split.defaultBranch().to('hl7.unrouted.v1', adtSerdes, 'to-unrouted');
    builder.stateStore('dedup', 'router-dedup-changelog', jsonSerde());
    expect(builder.build().describe()).toMatchSnapshot();
  });

  it('is immutable once built, refuses duplicate names, and knows its source topics', async () => {
    const builder = new StreamsBuilder();
    const stream = builder.stream('in', adtSerdes, 'source');
    expect(() => builder.stream('in2', adtSerdes, 'source')).toThrow('a node named source already exists');
    builder.build();
    expect(() => builder.build()).toThrow('already called');
    expect(() => stream.filter(() => true)).toThrow('cannot change');

    const sneaky = new StreamsBuilder();
    sneaky.table('t', { key: stringSerde, value: stringSerde }, 's');
    sneaky
      .stream('in', adtSerdes)
      .peek(() => undefined)
      .mapValues((v) => v)
      .to('out', adtSerdes, 'to-out');
    const topology = sneaky.build();
    expect(topology.sourceTopics.sort()).toEqual(['in', 't']);
    await expect(new TopologyTestDriver(topology).pipeInput('nope', 'k', adt('A01'))).rejects.toThrow('no source for topic nope');
  });
});

import { ENVELOPE_HEADERS, envelopeHeaders, type Hl7Envelope } from '@lib/envelope';
import { jsonSerde, type Serde, stringSerde } from '@lib/kafka';
import { type Serdes, StreamsBuilder, type Topology } from '@lib/streams';
import { type AdtEvent, readAdtEvent } from '../adt/adt-event.js';
import type { BootstrapProgress, BootstrapRequest, TargetActivation } from '../bootstrap/bootstrap-protocol.js';
import { SNAPSHOT_HEADER, snapshotEnvelope } from '../patient-state/patient-snapshot.js';
import { type PatientState, applyAdtEvent, otherKeys } from '../patient-state/patient-state.js';
import { type RouteTarget, targetMatches } from '../routes/route-config.js';
import { type DuplicateWindow, type SeenMessage, checkDuplicate } from './duplicate-filter.js';

/** Topics the router reads and writes besides the targets'. */
export interface RouterTopics {
  adt: string;
  /** Compacted, key = MRN: the patient-state table (and its store's changelog). */
  patientState: string;
  /** Internal: copies of merge messages re-keyed by the other MRNs of the merge (repartition). */
  mergeKeys: string;
  /** Internal, compacted: the duplicate filter's store. */
  dedupChangelog: string;
  /** Internal, compacted: which after-bootstrap targets are live, per partition. */
  targetsChangelog: string;
  /** Bootstrap requests in, progress out. */
  control: string;
  bootstrapStatus: string;
}

/** What the topology counts (the app backs it with Prometheus counters). */
export interface RouterCounters {
  routed(target: string): void;
  duplicate(): void;
  controlIdReused(): void;
  unmatched(): void;
  awaitingBootstrap(target: string): void;
  snapshots(target: string, count: number): void;
}

export interface RouterTopologyOptions {
  topics: RouterTopics;
  targets: readonly RouteTarget[];
  /** The Avro envelope serde registered for a topic's value subject. */
  envelopeSerde: (topic: string) => Serde<Hl7Envelope>;
  duplicateWindow: DuplicateWindow;
  counters: RouterCounters;
  mrnTypeCode?: string;
  now?: () => Date;
}

/** The target a route record is for (the envelope's header vocabulary: the console reads it too). */
export const ROUTING_HEADER = ENVELOPE_HEADERS.target;
export const MERGE_COPY_HEADER = 'hl7router.merge-copy';
export const STORES = { dedup: 'dedup', patientState: 'patient-state', targets: 'target-activation' } as const;

interface Routed {
  event: AdtEvent;
  matched: string[];
}

type SnapshotOutput = { kind: 'snapshot'; target: string; envelope: Hl7Envelope };
type ProgressOutput = { kind: 'progress'; progress: BootstrapProgress };
type ControlOutput = SnapshotOutput | ProgressOutput;

/**
 * The router: ADT envelopes → duplicate filter → patient state → one copy per matching target (in input order per
 * partition, so per patient); merges also update and route under the other MRNs of the merge (through the
 * merge-keys topic, so each key's state is changed by the task that owns it); bootstrap requests on the control
 * topic snapshot every patient of the partition to a target and make it live there.
 */
export function buildRouterTopology(options: RouterTopologyOptions): Topology {
  const { topics, targets, counters, envelopeSerde } = options;
  const now = options.now ?? (() => new Date());
  const envelopes = (topic: string): Serdes<string, Hl7Envelope> => ({ key: stringSerde, value: envelopeSerde(topic) });
  const builder = new StreamsBuilder();
  const dedup = builder.stateStore(STORES.dedup, topics.dedupChangelog, jsonSerde<SeenMessage>(), { evictsOldest: true });
  const patientStates = builder.stateStore(STORES.patientState, topics.patientState, jsonSerde<PatientState>());
  const activations = builder.stateStore(STORES.targets, topics.targetsChangelog, jsonSerde<TargetActivation>());

  const fresh = builder
    .stream(topics.adt, envelopes(topics.adt), 'adt-source')
    .process<string, Hl7Envelope>(
      (record, context) => {
        const verdict = checkDuplicate(context.store(dedup), record.value, options.duplicateWindow);
        if (verdict === 'duplicate') return counters.duplicate();
        if (verdict === 'control-id-reused') counters.controlIdReused();
        context.forward(record);
      },
      { name: 'drop-duplicates', stores: [dedup] },
    )
    .mapValues((envelope) => readAdtEvent(envelope, options.mrnTypeCode), 'parse-adt');

  fresh
    .flatMap((key, event) => otherKeys(event, key).map((other): [string, Hl7Envelope] => [other, event.envelope]), 'merge-other-keys')
    .to(topics.mergeKeys, envelopes(topics.mergeKeys), 'to-merge-keys');

  const copies = builder
    .stream(topics.mergeKeys, envelopes(topics.mergeKeys), 'merge-keys-source')
    .withHeaders(() => ({ [MERGE_COPY_HEADER]: 'true' }), 'mark-merge-copy')
    .mapValues((envelope) => readAdtEvent(envelope, options.mrnTypeCode), 'parse-merge-copy');

  const routed = fresh.merge(copies, 'adt-and-merge-copies').process<string, Routed>(
    (record, context) => {
      const store = context.store(patientStates);
      store.put(record.key, applyAdtEvent(store.get(record.key), record.key, record.value));
      const live = context.store(activations);
      const matched: string[] = [];
      for (const target of targets) {
        if (!targetMatches(target, record.value)) continue;
        if (target.start === 'after-bootstrap' && !live.get(target.name)) counters.awaitingBootstrap(target.name);
        else matched.push(target.name);
      }
      if (matched.length === 0) counters.unmatched();
      context.forward({ ...record, value: { event: record.value, matched } });
    },
    { name: 'patient-state-and-match', stores: [patientStates, activations] },
  );

  for (const target of targets) {
    routed
      .filter((_key, value) => value.matched.includes(target.name), `match-${target.name}`)
      .peek(() => counters.routed(target.name), `count-${target.name}`)
      .mapValues((value) => value.event.envelope, `envelope-${target.name}`)
      .withHeaders(() => ({ [ROUTING_HEADER]: target.name }), `header-${target.name}`)
      .to(target.topic, envelopes(target.topic), `to-${target.name}`);
  }

  const control = builder
    .stream(topics.control, { key: stringSerde, value: jsonSerde<BootstrapRequest>() }, 'control-source')
    .process<string, ControlOutput>(
      (record, context) => {
        const request = record.value;
        const target = targets.find((t) => t.name === request.target);
        let patients = 0;
        if (target) {
          const at = now();
          for (const [mrn, state] of context.store(patientStates).all()) {
            if (state.status === 'merged') continue;
            patients += 1;
            const envelope = snapshotEnvelope(state, target.name, at);
            context.forward({
              ...record,
              key: mrn,
              value: { kind: 'snapshot', target: target.name, envelope },
              headers: { ...envelopeHeaders(envelope), [SNAPSHOT_HEADER]: request.requestId, [ROUTING_HEADER]: target.name },
            });
          }
          context.store(activations).put(target.name, { requestId: request.requestId, at: at.getTime() });
          counters.snapshots(target.name, patients);
        }
        const progress: BootstrapProgress = {
          requestId: request.requestId,
          target: request.target,
          partition: record.partition,
          patients,
          outcome: target ? 'done' : 'unknown-target',
          at: now().getTime(),
        };
        context.forward({ ...record, key: request.requestId, value: { kind: 'progress', progress }, headers: {} });
      },
      { name: 'bootstrap', stores: [patientStates, activations] },
    );
  for (const target of targets) {
    control
      .filter((_k, v): v is SnapshotOutput => v.kind === 'snapshot' && v.target === target.name, `snapshots-${target.name}`)
      .mapValues((v) => v.envelope, `snapshot-envelope-${target.name}`)
      .to(target.topic, envelopes(target.topic), `snapshots-to-${target.name}`);
  }
  control
    .filter((_k, v): v is ProgressOutput => v.kind === 'progress', 'progress')
    .mapValues((v) => v.progress, 'progress-value')
    .to(topics.bootstrapStatus, { key: stringSerde, value: jsonSerde<BootstrapProgress>() }, 'to-bootstrap-status');

  return builder.build();
}

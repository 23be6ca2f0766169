// The public corpus and the fuzz run's adversarial shapes (deep repetitions, thousands of segments, long escapes,
// many subcomponents, odd separators) through the router's topology and both adapters' mappings: each message is
// routed, or mapped / skipped / rejected with a reason that names no patient data; nothing throws; and the work
// on the hostile shapes grows linearly with their size. (The gateway gets the same shapes over MLLP in
// test/e2e/gateway-fuzz.e2e-spec.ts and bench/gateway/gateway-fuzz.mjs.)
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { type Adapter, mapEnvelope } from '@lib/adapter-sdk';
import { envelopeFromText, type Hl7Envelope, routeTopic } from '@lib/envelope';
import { TopologyTestDriver } from '@lib/streams/testing';
import { labAdapter } from '../../apps/adapter-lab/src/lab-adapter.js';
import { radiologyAdapter } from '../../apps/adapter-radiology/src/radiology-adapter.js';
import { plainAvroEnvelopeSerde } from '../../apps/router/src/testing/adt-envelopes.js';
import { type RouterTopics, buildRouterTopology } from '../../apps/router/src/topology/router-topology.js';
import { adversarialMessages, loadCorpus } from '../support/hl7-fuzz-frames.js';
import { LINEAR_BOUND, measureGrowth } from '../support/linear-growth.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PATIENT = { name: /DOE|JANE/, mrn: /ADV-MRN/ };

/** Every input the gateway could have stored: corpus files and adversarial shapes that parse into an envelope. */
function envelopes(): { name: string; envelope: Hl7Envelope }[] {
  const texts = [
    ...loadCorpus(root).map((bytes, i) => ({ name: `corpus-${i}`, text: bytes.toString('latin1').replace(/\r?\n/g, '\r') })),
    ...adversarialMessages('ADV1', 'ADV-MRN'),
  ];
  const out: { name: string; envelope: Hl7Envelope }[] = [];
  texts.forEach(({ name, text }, i) => {
    try {
      // A control ID of its own each, so the router's duplicate filter passes them all.
      out.push({ name, envelope: { ...envelopeFromText(text, Date.UTC(2026, 10, 30) + i), controlId: `ADV-${i}` } });
    } catch {
      // Unparseable: the gateway refuses it (AR, quarantine); it never reaches the router or an adapter.
    }
  });
  return out;
}

describe('corpus and adversarial input through the router and both adapters', () => {
  const inputs = envelopes();

  it('covers the corpus and every adversarial text shape that parses', () => {
    expect(inputs.filter((i) => i.name.startsWith('corpus-')).length).toBeGreaterThan(50);
    for (const shape of ['pid3-5000-repetitions', '5000-segments', 'long-escape-100k', 'pid5-20000-subcomponents', 'cr-only-2mib'])
      expect(inputs.map((i) => i.name)).toContain(shape);
  });

  it('router: every stored message is routed to a catch-all target, in order, none lost', async () => {
    const topics: RouterTopics = {
      adt: 'hl7.adt.v1',
      patientState: 'hl7.patient-state.v1',
      mergeKeys: 'merge-keys',
      dedupChangelog: 'dedup',
      targetsChangelog: 'targets',
      control: 'control',
      bootstrapStatus: 'bootstrap-status',
    };
    const serde = plainAvroEnvelopeSerde();
    const noop = () => undefined;
    const topology = buildRouterTopology({
      topics,
      targets: [
        {
          name: 'all',
          topic: routeTopic('all'),
          start: 'live',
          messageTypes: new Set(),
          triggerEvents: new Set(),
          sendingFacilities: new Set(),
          patientClasses: new Set(),
        },
      ],
      envelopeSerde: () => serde,
      duplicateWindow: { windowMs: 3600_000, maxEntries: 10_000 },
      counters: { routed: noop, duplicate: noop, controlIdReused: noop, unmatched: noop, awaitingBootstrap: noop, snapshots: noop },
      now: () => new Date(Date.UTC(2026, 10, 30, 12)),
    });
    const driver = new TopologyTestDriver(topology);
    for (const { envelope } of inputs) await driver.pipeInput(topics.adt, envelope.mrn, envelope);
    const routed = await driver.readOutput<string, Hl7Envelope>(routeTopic('all'));
    const merges = inputs.filter((i) => i.envelope.triggerEvent === 'A40' || i.envelope.triggerEvent === 'A34').length;
    // A merge may also be copied to the surviving patient's key: at least one output per input, in input order.
    expect(routed.length).toBeGreaterThanOrEqual(inputs.length);
    expect(routed.length).toBeLessThanOrEqual(inputs.length + merges);
    const firstSeen = [...new Set(routed.map((r) => r.value.controlId))];
    expect(firstSeen).toEqual(inputs.map((i) => i.envelope.controlId));
  });

  it.each<[string, Adapter]>([
    ['lab', labAdapter],
    ['radiology', radiologyAdapter],
  ])('%s adapter: mapped, skipped or rejected with a reason naming no patient data', (_name, adapter) => {
    const outcomes: Record<string, number> = {};
    for (const { name, envelope } of inputs) {
      const outcome = mapEnvelope(adapter, envelope);
      outcomes[outcome.kind] = (outcomes[outcome.kind] ?? 0) + 1;
      const reason = outcome.kind === 'rejected' ? outcome.error.message : outcome.kind === 'skipped' ? outcome.reason : '';
      expect([name, reason]).toEqual([name, expect.not.stringMatching(PATIENT.name)]);
      expect([name, reason]).toEqual([name, expect.not.stringMatching(PATIENT.mrn)]);
      if (outcome.kind === 'mapped') for (const m of outcome.messages) expect(m.text.startsWith('MSH')).toBe(true);
    }
    expect(outcomes['mapped']).toBeGreaterThan(10);
  });

  it.each<[string, Adapter, (n: number) => string]>([
    ['lab, PID-3 repetitions', labAdapter, (n) => `PID|1||${'X1^^^H^PI~'.repeat(n)}ADV-MRN^^^H^MR||DOE^JANE||19700101|F`],
    ['radiology, PID-5 subcomponents', radiologyAdapter, (n) => `PID|1||ADV-MRN^^^H^MR||DOE${'&x'.repeat(n)}^JANE||19700101|F`],
    ['lab, thousands of segments', labAdapter, (n) => `PID|1||ADV-MRN^^^H^MR||DOE^JANE||19700101|F\r${'NTE|1||note\r'.repeat(n)}`],
    [
      'radiology, thousands of segments',
      radiologyAdapter,
      (n) => `PID|1||ADV-MRN^^^H^MR||DOE^JANE||19700101|F\r${'NTE|1||note\r'.repeat(n)}`,
    ],
  ])('%s: mapping work grows linearly', (_name, adapter, pid) => {
    const growth = measureGrowth(
      (scale) =>
        envelopeFromText(
          `MSH|^~\\&|EHR|H|R|H|20261130||ADT^A01^ADT_A01|G1|P|2.5.1\rEVN|A01|20261130\r${pid(500 * scale)}\rPV1|1|I|W^1^A\r`,
        ),
      (envelope) => mapEnvelope(adapter, envelope),
      5,
    );
    expect(growth.ratio).toBeLessThan(LINEAR_BOUND);
  });
});

// Issue #16's trace test: `npm start` (the built gateway, router and both adapters on the real broker) with the
// standard OTEL_* variables pointing at an OTLP/HTTP receiver in this process. One published ADT^A01 (python-hl7's
// Cerner sample) must make one trace: gateway receive → gateway send → router process → lab and radiology deliver →
// each one's MLLP attempt, correctly parented; no span carries the fixture's patient identifiers or names; and the
// gateway's log line for the message carries the trace's id.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { MllpClient } from '@lib/mllp';
import { OtlpJsonReceiver, type ReceivedSpan } from '@lib/platform';
import { eventually } from '@lib/kafka/testing';
import { freePipelinePorts, LocalPipeline } from '../support/local-pipeline.js';

const root = new URL('../../', import.meta.url).pathname;
const demo = mkdtempSync(join(tmpdir(), 'traces-e2e-'));
const ports = await freePipelinePorts();
let pipeline: LocalPipeline | undefined;
let receiver: OtlpJsonReceiver | undefined;

afterAll(async () => {
  pipeline?.kill();
  await receiver?.close();
});

const published = readFileSync(join(root, 'test/fixtures/hl7/public/python-hl7/adt-a01-v23-pid3-repeats-quoted-nulls.hl7'), 'latin1');
const pid = published
  .split('\r')
  .find((s) => s.startsWith('PID|'))!
  .split('|');
/** What identifies the patient in the fixture: every PID-3 identifier, the name, birth date, phone, SSN. */
const identifiers = [
  ...pid[3]!.split('~').map((r) => r.split('^')[0]!),
  ...pid[5]!.split('^').slice(0, 2),
  pid[7]!,
  pid[13]!.split('^')[0]!,
  pid[19]!,
].filter((v) => v.length >= 4);

describe('traces across every hop', () => {
  it('one ADT is one trace: gateway → router → lab and radiology deliveries, parented, without PHI', async () => {
    expect(identifiers).toEqual(expect.arrayContaining(['2148790', '162840', 'RUFUSS', 'MELLODIAL', '19521129', '125544697']));
    receiver = await OtlpJsonReceiver.start();
    pipeline = await LocalPipeline.start({
      ports,
      demoDir: demo,
      runId: `tr${Date.now().toString(36)}`,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
    expect(pipeline.output).toContain(`traces             ${receiver.url}`);

    const controlId = `TRACE${Date.now().toString(36).toUpperCase()}`;
    const message = published
      .split('\r')
      .map((s) =>
        s.startsWith('MSH|')
          ? s
              .split('|')
              .map((f, i) => (i === 9 ? controlId : f))
              .join('|')
          : s,
      )
      .join('\r');
    const client = new MllpClient({ host: '127.0.0.1', port: ports.mllp });
    const ack = await client.send(Buffer.from(message, 'latin1'), 30000).finally(() => client.close());
    expect(ack.toString()).toContain(`MSA|AA|${controlId}`);

    const byName = (spans: ReceivedSpan[], service: string, name: string) => spans.filter((s) => s.service === service && s.name === name);
    const spans = await eventually(
      () => {
        const receive = receiver!.spans.find((s) => s.name === 'mllp receive' && s.attributes['hl7.control_id'] === controlId);
        if (!receive) return undefined;
        const trace = receiver!.trace(receive.traceId);
        const attempts = trace.filter((s) => s.name === 'mllp send');
        return attempts.length >= 2 ? trace : undefined;
      },
      90000,
      'the whole trace to arrive',
    );
    const [receive] = byName(spans, 'mllp-gateway', 'mllp receive');
    // This run's topics carry its suffix (hl7.adt.v1-<run>).
    const [send] = spans.filter((s) => s.service === 'mllp-gateway' && s.name.startsWith('send hl7.adt.v1'));
    const routed = spans.filter((s) => s.service === 'router' && s.name.startsWith('process hl7.adt.v1'));
    const [lab] = byName(spans, 'adapter-lab', 'deliver lab');
    const [radiology] = byName(spans, 'adapter-radiology', 'deliver radiology');
    expect(receive).toMatchObject({ kind: 2, attributes: { 'hl7.ack_code': 'AA', 'hl7.message_type': 'ADT^A01' } });
    expect(receive!.parentSpanId).toBeUndefined();
    expect(send).toMatchObject({ kind: 4, parentSpanId: receive!.spanId });
    // The router's span for the record (one: processed once, committed once).
    expect(routed).toHaveLength(1);
    expect(routed[0]).toMatchObject({ kind: 5, parentSpanId: send!.spanId, attributes: { 'hl7.control_id': controlId } });
    for (const [deliver, service] of [
      [lab, 'adapter-lab'],
      [radiology, 'adapter-radiology'],
    ] as const) {
      expect(deliver).toMatchObject({ kind: 5, parentSpanId: routed[0]!.spanId, attributes: { 'hl7.outcome': 'delivered' } });
      const attempts = byName(spans, service, 'mllp send');
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ kind: 3, parentSpanId: deliver!.spanId, attributes: { 'hl7.ack_code': 'AA', 'hl7.attempt': 1 } });
    }
    // Never PHI in what left the apps: none of the fixture's identifiers or names in any span received.
    const exported = JSON.stringify(receiver.spans);
    for (const value of identifiers) expect(`${value}: ${exported.includes(value)}`).toBe(`${value}: false`);
    // Logs and traces join: the gateway's line for this message carries the trace id.
    const stored = readFileSync(join(demo, 'logs/mllp-gateway.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes(controlId) && l.includes('message stored'))
      .map((l) => JSON.parse(l) as { trace_id?: string });
    expect(stored.map((l) => l.trace_id)).toEqual([receive!.traceId]);

    await pipeline.interrupt();
  }, 300000);
});

// The gateway end to end on real sockets, the real broker and the real schema registry.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseMessage } from '@lib/hl7';
import { FrameDecoder, MllpClient, encodeFrame } from '@lib/mllp';
import type { Hl7Envelope } from '@lib/envelope';
import { createKafkaClient, createSchemaRegistryClient, type IncomingRecord } from '@lib/kafka';
import { testKafkaEnv, TopicCollector } from '@lib/kafka/testing';
import type { Gateway } from './gateway.js';
import { type TestGateway, startTestGateway } from './testing/start-test-gateway.js';

const env = testKafkaEnv();
const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/hl7/public/${path}`, import.meta.url));
/** Corpus files keep their published separators; on the wire HL7 segments end with CR. */
const wire = (bytes: Buffer) => Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r'), 'latin1');

const registry = createSchemaRegistryClient({ url: env.schemaRegistryUrl });
let gateway: Gateway;
let collector: TopicCollector;
let client: MllpClient;

function adt(controlId: string, opts: { mrn?: string; name?: string; msh15?: string; msh18?: string; trigger?: string } = {}) {
  const pid3 = opts.mrn === undefined ? 'X1^^^HOSP^PI~MRN-100^^^HOSP^MR' : opts.mrn;
  return (
    `MSH|^~\\&|EPIC|HOSP|HL7ROUTER|HUB|20240102030405||ADT^${opts.trigger ?? 'A01'}^ADT_A01|${controlId}|P|2.5.1|||${opts.msh15 ?? ''}|||${opts.msh18 ?? ''}\r` +
    `EVN|A01|20240102030405\rPID|1||${pid3}||${opts.name ?? 'DOE^JANE'}||19700101|F\rPV1|1|I|4W^401^A\r`
  );
}

const text = (b: Buffer) => b.toString('latin1');
const msa = (ack: Buffer) =>
  text(ack)
    .split('\r')
    .find((s) => s.startsWith('MSA'))!
    .split('|');
/** Every record of `topic` so far, once `until` holds for them (one collector reads all topics for the suite). */
const records = (topic: string, until: (r: readonly IncomingRecord[]) => boolean) => collector.waitFor(topic, until);
const idOf = (r: IncomingRecord) => r.headers['hl7.control-id']?.toString();
const hasIds =
  (...ids: string[]) =>
  (rs: readonly IncomingRecord[]) =>
    ids.every((id) => rs.some((r) => idOf(r) === id));
const hasKey = (key: string, count: number) => (rs: readonly IncomingRecord[]) =>
  rs.filter((r) => r.key?.toString() === key).length >= count;
const decode = async (r: IncomingRecord) => (await registry.decode(r.value!)) as Hl7Envelope;

let topics: TestGateway['topics'];
let logLines: string[];

beforeAll(async () => {
  ({ gateway, topics, logLines } = await startTestGateway(env));
  const kafka = createKafkaClient({ brokers: env.brokers, clientId: 'gw-int-spec' });
  collector = await TopicCollector.start(kafka, [topics.adt, topics.oru, topics.quarantine]);
  client = new MllpClient({ host: '127.0.0.1', port: gateway.mllpPort });
});

afterAll(async () => {
  await client?.close();
  await collector?.close();
  await gateway?.stop(5000);
});

describe('mllp-gateway', () => {
  it('answers AA only after the write, keyed by MRN, the envelope carrying the exact bytes', async () => {
    const message = Buffer.from(adt('CTL-0001'), 'latin1');
    const ack = await client.send(message);
    expect(msa(ack).slice(0, 3)).toEqual(['MSA', 'AA', 'CTL-0001']);
    const ackHeader = parseMessage(text(ack));
    expect(ackHeader.get('MSH-3')).toBe('HL7ROUTER');
    expect(ackHeader.get('MSH-5')).toBe('EPIC');

    const [record] = (await records(topics.adt, hasIds('CTL-0001'))).filter((r) => idOf(r) === 'CTL-0001');
    expect(record?.key?.toString()).toBe('MRN-100');
    expect(record?.headers['hl7.message-type']?.toString()).toBe('ADT^A01');
    expect(record?.headers['hl7.sender']?.toString()).toBe('EPIC|HOSP');
    const envelope = await decode(record!);
    expect(envelope).toMatchObject({
      controlId: 'CTL-0001',
      messageType: 'ADT',
      triggerEvent: 'A01',
      structure: 'ADT_A01',
      version: '2.5.1',
      sendingApplication: 'EPIC',
      sendingFacility: 'HOSP',
      receivingApplication: 'HL7ROUTER',
      receivingFacility: 'HUB',
      mrn: 'MRN-100',
      assigningAuthority: 'HOSP',
      listener: 'it',
      remoteAddress: '127.0.0.1',
      charset: 'utf8',
      charsetFallback: false,
    });
    expect(Buffer.from(envelope.raw).equals(message)).toBe(true);
    expect(envelope.contentSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps Latin-1 and UTF-8 names intact (raw bytes and decoded text)', async () => {
    const latin = Buffer.from(adt('CTL-L1', { name: 'MÜLLER^ZOË', msh18: '8859/1', mrn: 'MRN-L1^^^HOSP^MR' }), 'latin1');
    const utf8 = Buffer.from(adt('CTL-U1', { name: 'Ñúñez^Łukasz', msh18: 'UNICODE UTF-8', mrn: 'MRN-U1^^^HOSP^MR' }), 'utf8');
    expect(msa(await client.send(latin))[1]).toBe('AA');
    expect(msa(await client.send(utf8))[1]).toBe('AA');
    const all = await records(topics.adt, hasIds('CTL-L1', 'CTL-U1'));
    const byId = new Map(await Promise.all(all.map(async (r) => [r.headers['hl7.control-id']!.toString(), await decode(r)] as const)));
    expect(Buffer.from(byId.get('CTL-L1')!.raw).equals(latin)).toBe(true);
    expect(byId.get('CTL-L1')!.charset).toBe('latin1');
    expect(Buffer.from(byId.get('CTL-U1')!.raw).equals(utf8)).toBe(true);
    expect(parseMessage(Buffer.from(byId.get('CTL-L1')!.raw).toString('latin1')).get('PID-5.2')).toBe('ZOË');
    expect(parseMessage(Buffer.from(byId.get('CTL-U1')!.raw).toString('utf8')).get('PID-5.2')).toBe('Łukasz');
  });

  it('stores real corpus messages with their MR identifier as key, and honours MSH-15=NE (no accept ACK)', async () => {
    const a01 = wire(fixture('fhir-converter/adt-a01-v28-full.hl7'));
    expect(msa(await client.send(a01))[1]).toBe('AA');
    // This A03 asks for enhanced mode with MSH-15 = NE: "never send an accept acknowledgment".
    const a03 = wire(fixture('hapi-hl7v2/adt-a03-v25-msh18-8859-1-bare-pv1-crlf.hl7'));
    await expect(client.send(a03, 1500)).rejects.toMatchObject({ code: 'MLLP_TIMEOUT' });
    const keys = (await records(topics.adt, (rs) => hasKey('PATID1234', 1)(rs) && hasKey('00J8804997', 1)(rs))).map((r) =>
      r.key?.toString(),
    );
    expect(keys).toEqual(expect.arrayContaining(['PATID1234', '00J8804997']));
  });

  it('carries a 6 MB ORU with base64 ED data byte for byte', async () => {
    const pdf = Buffer.alloc(4_500_000);
    for (let i = 0; i < pdf.length; i += 1) pdf[i] = (i * 31) % 256;
    const message = Buffer.from(
      `MSH|^~\\&|LIS|HOSP|HL7ROUTER|HUB|20240102030405||ORU^R01^ORU_R01|CTL-BIG|P|2.5.1\rPID|1||MRN-BIG^^^HOSP^MR||DOE^JOHN\rOBR|1\rOBX|1|ED|PDF^Report||^application^pdf^Base64^${pdf.toString('base64')}||||||F\r`,
      'latin1',
    );
    expect(message.length).toBeGreaterThan(6_000_000);
    expect(msa(await client.send(message, 60000))[1]).toBe('AA');
    const [record] = await records(topics.oru, (rs) => rs.length >= 1);
    expect(record?.key?.toString()).toBe('MRN-BIG');
    expect(Buffer.from((await decode(record!)).raw).equals(message)).toBe(true);
  });

  it('answers a batch of 3 with a batch of 3 ACKs and stores each message', async () => {
    const batch = Buffer.from(
      `BHS|^~\\&|EPIC|HOSP\r${adt('CTL-B1', { mrn: 'MRN-B^^^H^MR' })}${adt('CTL-B2', { mrn: 'MRN-B^^^H^MR', trigger: 'A02' })}${adt('CTL-B3', { mrn: 'MRN-B^^^H^MR', trigger: 'A03' })}BTS|3\r`,
      'latin1',
    );
    const ack = text(await client.send(batch));
    expect(ack.startsWith('BHS|')).toBe(true);
    expect(ack.split('\r').filter((s) => s.startsWith('MSA'))).toEqual(['MSA|AA|CTL-B1', 'MSA|AA|CTL-B2', 'MSA|AA|CTL-B3']);
    const mine = (await records(topics.adt, hasKey('MRN-B', 3))).filter((r) => r.key?.toString() === 'MRN-B');
    expect(mine.map((r) => r.headers['hl7.control-id']?.toString())).toEqual(['CTL-B1', 'CTL-B2', 'CTL-B3']);
  });

  it('answers pipelined frames in order and stores them in order for the patient', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: gateway.mllpPort });
    const decoder = new FrameDecoder();
    const acks: Buffer[] = [];
    socket.on('data', (chunk) => decoder.push(chunk).forEach((e) => e.kind === 'frame' && acks.push(e.payload)));
    await new Promise((resolve) => socket.once('connect', resolve));
    const ids = ['P1', 'P2', 'P3', 'P4', 'P5'];
    socket.write(Buffer.concat(ids.map((id) => encodeFrame(Buffer.from(adt(`CTL-${id}`, { mrn: 'MRN-P^^^H^MR' }), 'latin1')))));
    const deadline = Date.now() + 20000;
    while (acks.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    expect(acks.map((a) => msa(a).slice(1, 3).join(' '))).toEqual(ids.map((id) => `AA CTL-${id}`));
    const mine = (await records(topics.adt, hasKey('MRN-P', 5))).filter((r) => r.key?.toString() === 'MRN-P');
    expect(mine.map((r) => r.headers['hl7.control-id']?.toString())).toEqual(ids.map((id) => `CTL-${id}`));
  });

  it('refuses a message without an MR identifier (AR, ERR at PID-3) and quarantines it', async () => {
    const message = Buffer.from(adt('CTL-NOMRN', { mrn: '123^^^HOSP^PI' }), 'latin1');
    const ack = text(await client.send(message));
    expect(ack).toContain('MSA|AR|CTL-NOMRN|');
    expect(ack).toContain('ERR||PID^3^3^1|101^Required field missing^HL70357|E');
    const quarantined = (await records(topics.quarantine, hasIds('CTL-NOMRN'))).find((r) => idOf(r) === 'CTL-NOMRN');
    expect(quarantined?.value?.equals(message)).toBe(true);
    expect(quarantined?.headers['hl7.error.code']?.toString()).toBe('101');
  });

  it('refuses garbage with AR, quarantines the bytes, and stays up', async () => {
    const garbage = Buffer.from([0x00, 0xff, 0x10, 0x41, 0x42]);
    const ack = text(await client.send(garbage));
    expect(ack).toMatch(/MSA\|AR\|\|/);
    const quarantined = await records(topics.quarantine, (rs) => rs.some((x) => x.value?.equals(garbage) === true));
    expect(quarantined.find((r) => r.value?.equals(garbage))?.headers['hl7.error.code']?.toString()).toBe('100');
    expect(msa(await client.send(Buffer.from(adt('CTL-AFTER'), 'latin1')))[1]).toBe('AA');
  });

  it('answers a resend with the original ACK and writes the message once', async () => {
    const message = Buffer.from(adt('CTL-DUP', { mrn: 'MRN-DUP^^^H^MR' }), 'latin1');
    const first = await client.send(message);
    const second = await client.send(message);
    expect(second.equals(first)).toBe(true);
    // A later message for the same patient (same partition, so after any second copy of CTL-DUP) marks the end.
    expect(msa(await client.send(Buffer.from(adt('CTL-DUP-MARK', { mrn: 'MRN-DUP^^^H^MR' }), 'latin1')))[1]).toBe('AA');
    const mine = (await records(topics.adt, hasIds('CTL-DUP-MARK'))).filter((r) => r.key?.toString() === 'MRN-DUP');
    expect(mine.map(idOf)).toEqual(['CTL-DUP', 'CTL-DUP-MARK']);
  });

  it('answers in enhanced mode with commit codes when MSH-15 asks for it', async () => {
    expect(msa(await client.send(Buffer.from(adt('CTL-ENH', { msh15: 'AL' }), 'latin1')))[1]).toBe('CA');
    expect(msa(await client.send(Buffer.from(adt('CTL-ENH-R', { msh15: 'AL', mrn: '1^^^H^PI' }), 'latin1')))[1]).toBe('CR');
  });

  it('reports readiness and metrics over HTTP', async () => {
    const ready = await fetch(`http://127.0.0.1:${gateway.httpPort}/health/ready`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/hl7_gateway_messages_total\{type="ADT",ack="AA"\} \d+/);
    expect(metrics).toMatch(/hl7_gateway_messages_total\{type="ADT",ack="AR"\} [1-9]/);
    expect(metrics).toMatch(/hl7_gateway_duplicates_total [1-9]/);
    expect(metrics).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('never logs patient identifiers or names', () => {
    const logs = logLines.join('');
    expect(logs).toContain('message stored');
    for (const phi of ['MRN-100', 'DOE^JANE', 'MÜLLER', 'Łukasz', 'PATID1234', '00J8804997', 'MRN-BIG']) expect(logs).not.toContain(phi);
  });
});

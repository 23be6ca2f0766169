// The console app in-process (its Nest module over real HTTP) on the real broker and registry: it indexes a message
// and answers the lab's question through its API — by control ID, by MRN (POST, hashed), and the timeline — behind
// sign-in (the dev form here) and roles on every route; content is read from Kafka by offset and audited; a dead
// letter is replayed onto its route topic, audited.
import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { DELIVERY_EVENT_SCHEMA, type DeliveryEvent, MllpReceiver, REPLAY_HEADER, sentContentHeaders } from '@lib/adapter-sdk/tools';
import { Hl7ErrorCode, issue } from '@lib/hl7';
import { envelopeFromText, envelopeHeaders, HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from '@lib/envelope';
import { avroSerde, createSchemaRegistryClient, topicValueSubject } from '@lib/kafka';
import { type TestKafka, eventually, openTestKafka, readTopic, testKafkaEnv, uniqueName } from '@lib/kafka/testing';
import { createLogger, hashMrn } from '@lib/platform';
import { ROLES_KEY, type Role } from './auth/roles.js';
import { consoleConfigSchema } from './console-config.js';
import { CONSOLE_CONTROLLERS, ConsoleModule } from './console.module.js';

const KEY = 'console-app-int-hash-key';
const run = uniqueName('con');
const env = testKafkaEnv();
// The gateway, as far as a release is concerned: an MLLP peer that accepts one message and refuses another again.
const gateway = await MllpReceiver.start({
  name: 'GATEWAY',
  answer: (m) =>
    m.controlId === 'Q-STILL-BAD'
      ? { kind: 'ack', code: 'AR', issues: [issue(Hl7ErrorCode.RequiredFieldMissing, 'no MRN', { segment: 'PID', sequence: 1, field: 3 })] }
      : { kind: 'ack', code: 'AA' },
});
const config = consoleConfigSchema.parse({
  GATEWAY_MLLP_URL: `mllp://127.0.0.1:${gateway.port}`,
  KAFKA_BROKERS: env.brokers.join(','),
  SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
  TARGETS: 'lab',
  ROUTE_TOPICS: `lab=${run}-route-lab`,
  DEAD_LETTER_TOPICS: `lab=${run}-dlq-lab`,
  SENT_TOPICS: `lab=${run}-sent-lab`,
  ADT_TOPIC: `${run}-adt`,
  QUARANTINE_TOPIC: `${run}-quarantine`,
  LEDGER_TOPIC: `${run}-ledger`,
  AUDIT_TOPIC: `${run}-audit`,
  CONSOLE_AUTH: 'dev',
  DATA_DIR: mkdtempSync(join(tmpdir(), 'console-int-')),
  LOG_HASH_KEY: KEY,
  HTTP_PORT: '0',
});
const lines: string[] = [];
const log = createLogger({
  app: 'console',
  destination: new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }),
});
let testKafka: TestKafka;
let app: INestApplication;
let base: string;

beforeAll(async () => {
  testKafka = await openTestKafka('console-app-int-spec');
  const names = [
    config.ADT_TOPIC,
    config.QUARANTINE_TOPIC,
    config.LEDGER_TOPIC,
    config.targets[0]!.routeTopic,
    config.targets[0]!.deadLetterTopic,
    config.targets[0]!.sentTopic,
  ];
  await testKafka.admin.ensureTopics(names.map((name) => ({ name, partitions: 1 })));
  app = await NestFactory.create(ConsoleModule.for(config, log), { logger: false });
  await app.listen(0, '127.0.0.1');
  base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
}, 60000);
afterAll(async () => {
  await gateway.stop();
  await app?.close();
  await testKafka?.close();
});

/** Signs in with the dev form and returns the session cookie (name=value). */
async function signIn(...roles: Role[]): Promise<string> {
  const form = new URLSearchParams([['name', `tester-${roles.join('-') || 'none'}`], ...roles.map((r): [string, string] => ['roles', r])]);
  const response = await fetch(`${base}/login/dev`, { method: 'POST', body: form, redirect: 'manual' });
  expect(response.status).toBe(303);
  const cookie = response.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  return cookie.split(';')[0]!;
}

const as = (cookie: string, init: RequestInit = {}): RequestInit => ({ ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
const json = (cookie: string, body: unknown): RequestInit =>
  as(cookie, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('console sign-in and roles', () => {
  it('names the roles of every route or marks it public (the guard refuses a route that names neither)', () => {
    const controllers = CONSOLE_CONTROLLERS;
    const unnamed: string[] = [];
    for (const controller of controllers) {
      const onClass = Reflect.getMetadata(ROLES_KEY, controller);
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as unknown as Record<string, object>)[name]!;
        if (name === 'constructor' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        if ((Reflect.getMetadata(ROLES_KEY, handler) ?? onClass) === undefined) unnamed.push(`${controller.name}.${name}`);
      }
    }
    expect(unnamed).toEqual([]);
  });

  it('answers nothing without a session: 401 for the API, a redirect to sign-in for pages; 403 without the role', async () => {
    expect((await fetch(`${base}/api/messages?controlId=X`)).status).toBe(401);
    const page = await fetch(`${base}/dead-letters`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Fdead-letters');
    expect((await fetch(`${base}/login`)).status).toBe(200);
    expect((await fetch(`${base}/assets/console.css`)).status).toBe(200);
    const forged = 'hl7_console_session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZXMiOlsidmlld2VyIl19.c2lnbmF0dXJl';
    expect((await fetch(`${base}/api/messages?controlId=X`, as(forged))).status).toBe(401);

    const viewer = await signIn('viewer');
    expect((await fetch(`${base}/api/messages?controlId=X`, as(viewer))).status).toBe(200);
    expect((await fetch(`${base}/api/messages/any/content`, json(viewer, {}))).status).toBe(403);
    expect((await fetch(`${base}/api/dead-letters/replay`, json(viewer, { positions: ['t/0/1'] }))).status).toBe(403);
    expect((await fetch(`${base}/api/audit`, as(viewer))).status).toBe(403);
    expect((await fetch(`${base}/audit`, as(viewer))).status).toBe(403);
    const auditor = await signIn('auditor');
    expect((await fetch(`${base}/api/messages?controlId=X`, as(auditor))).status).toBe(403);
    // A next= that leaves the console is not followed.
    const offsite = await fetch(`${base}/login/dev`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'x', roles: 'viewer', next: '//evil.example/' }),
      redirect: 'manual',
    });
    expect(offsite.headers.get('location')).toBe('/');
  });
});

describe('console API', () => {
  it('finds a message by control ID or MRN and shows where it went; never echoes an MRN; reports its progress', async () => {
    const viewer = await signIn('viewer');
    const registry = createSchemaRegistryClient({ url: env.schemaRegistryUrl });
    const envelopes = await avroSerde<Hl7Envelope>(registry, topicValueSubject(config.ADT_TOPIC), HL7_ENVELOPE_SCHEMA);
    const ledger = await avroSerde<DeliveryEvent>(registry, topicValueSubject(config.LEDGER_TOPIC), DELIVERY_EVENT_SCHEMA);
    const envelope = envelopeFromText(
      'MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261201101500||ADT^A01^ADT_A01|API-1|P|2.5.1\rPID|1||MRN-API-1^^^GENHOSP^MR||DOE^JANE\r',
    );
    const producer = testKafka.kafka.producer();
    await producer.connect();
    await producer.send([
      { topic: config.ADT_TOPIC, key: envelope.mrn, value: await envelopes.serialize(envelope), headers: envelopeHeaders(envelope) },
    ]);
    const [route] = await producer.send([
      {
        topic: config.targets[0]!.routeTopic,
        key: envelope.mrn,
        value: 'x',
        headers: { ...envelopeHeaders(envelope), 'hl7router.target': 'lab' },
      },
    ]);
    const event: DeliveryEvent = {
      target: 'lab',
      controlId: 'API-1',
      mrnHash: hashMrn(envelope.mrn, KEY),
      status: 'ACKED',
      ackCode: 'AA',
      condition: 'AA',
      attempt: 1,
      latencyMs: 2,
      detail: '',
      at: Date.now(),
      sourceTopic: config.targets[0]!.routeTopic,
      sourcePartition: 0,
      sourceOffset: Number(route!.baseOffset),
    };
    await producer.send([{ topic: config.LEDGER_TOPIC, key: event.mrnHash, value: await ledger.serialize(event) }]);
    // What the lab adapter kept: the mapped message as it went over, and the lab's answer to attempt 1.
    const routeAt = { topic: config.targets[0]!.routeTopic, partition: 0, offset: route!.baseOffset };
    const keep = async (part: 'message' | 'ack', attempt: number, text: string) => {
      const headers = sentContentHeaders('lab', { part, controlId: 'API-1', attempt }, routeAt);
      const [written] = await producer.send([{ topic: config.targets[0]!.sentTopic, key: envelope.mrn, value: text, headers }]);
      return written!;
    };
    const sentMessage = await keep(
      'message',
      0,
      'MSH|^~\\&|HL7-ROUTER|HOSP|LAB|LABHOSP|20261201101501||ADT^A01^ADT_A01|API-1|P|2.3\rPID|1||MRN-API-1||DOE^JANE\r',
    );
    const sentAck = await keep('ack', 1, 'MSH|^~\\&|LAB|LABHOSP|HL7-ROUTER|HOSP|20261201101502||ACK^A01|LAB-9|P|2.3\rMSA|AA|API-1|filed\r');
    await producer.disconnect();

    const byControlId = await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/messages?controlId=API-1`, as(viewer))).json()) as {
          messages: { envelopeId: string }[];
        };
        return body.messages.length === 1 ? body.messages : undefined;
      },
      60000,
      'the message to be indexed',
    );
    const search = await fetch(`${base}/api/messages/search`, json(viewer, { mrn: 'MRN-API-1' }));
    expect(search.status).toBe(200);
    expect(((await search.json()) as { messages: unknown[] }).messages).toEqual(byControlId);
    const timeline = await eventually(
      async () => {
        const t = (await (await fetch(`${base}/api/messages/${byControlId[0]!.envelopeId}`, as(viewer))).json()) as {
          targets: { state: string }[];
        };
        // Delivered, and both kept records indexed: the sent message and the attempt's answer (they may come in apart).
        const lab = t.targets[0] as { state: string; sent?: unknown; attempts?: { answer?: unknown }[] } | undefined;
        return lab?.state === 'delivered' && lab.sent && lab.attempts?.[0]?.answer ? t : undefined;
      },
      30000,
      'the delivery and what was sent to be indexed',
    );
    const sentAt = (offset: string) => ({ topic: config.targets[0]!.sentTopic, partition: 0, offset });
    expect(timeline).toMatchObject({
      message: { controlId: 'API-1', messageType: 'ADT^A01' },
      targets: [
        { target: 'lab', sent: sentAt(sentMessage!.baseOffset), attempts: [{ ackCode: 'AA', answer: sentAt(sentAck!.baseOffset) }] },
      ],
    });
    expect(JSON.stringify(timeline)).not.toMatch(/MRN-API-1|DOE|JANE/);

    expect((await fetch(`${base}/api/messages/no-such-envelope`, as(viewer))).status).toBe(404);
    const bad = await fetch(`${base}/api/messages/search`, json(viewer, { mrn: 'MRN-SECRET-9', limit: 'lots' }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain('MRN-SECRET-9');
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/hl7_console_indexed_records_total [1-9]/);
    expect(metrics).toMatch(/hl7_console_index_lag \d/);
    expect(metrics).toContain('hl7_ready 1');
    expect(lines.join('')).not.toMatch(/MRN-API-1|MRN-SECRET-9|DOE/);

    // Content: read from the ADT topic by offset for the phi role, audited (who, which record, why) before it is shown.
    const envelopeId = byControlId[0]!.envelopeId;
    const phi = await signIn('phi');
    const content = await fetch(`${base}/api/messages/${envelopeId}/content`, json(phi, { reason: 'lab called about API-1' }));
    expect(content.status).toBe(200);
    expect(content.headers.get('cache-control')).toBe('no-store');
    const view = (await content.json()) as { found: boolean; segments: { fields: { path: string; name: string; value: string }[] }[] };
    expect(view.found).toBe(true);
    expect(view.segments.flatMap((s) => s.fields)).toContainEqual(
      expect.objectContaining({ path: 'PID-5', name: 'Patient Name', value: 'DOE^JANE' }),
    );
    const page = await fetch(
      `${base}/messages/${envelopeId}/content`,
      as(phi, { method: 'POST', body: new URLSearchParams({ reason: '' }) }),
    );
    expect(await page.text()).toContain('PID-5.2 = JANE');

    // The lab's copy as sent and the lab's answer: offered on the timeline to the phi role, read by offset, audited.
    const timelinePage = await (await fetch(`${base}/messages/${envelopeId}`, as(await signIn('viewer', 'phi')))).text();
    expect(timelinePage).toContain('View as sent to lab');
    expect(timelinePage).toContain('View ACK');
    expect(await (await fetch(`${base}/messages/${envelopeId}`, as(viewer))).text()).not.toContain('View ACK');
    const record = (offset: string) => `${config.targets[0]!.sentTopic}/0/${offset}`;
    const asSent = await fetch(
      `${base}/api/messages/${envelopeId}/content`,
      json(phi, { reason: 'what did we send', record: record(sentMessage!.baseOffset) }),
    );
    expect(await asSent.json()).toMatchObject({
      found: true,
      part: { kind: 'sent', target: 'lab', part: 'message', attempt: 0 },
      segments: expect.arrayContaining([
        expect.objectContaining({
          name: 'MSH',
          fields: expect.arrayContaining([expect.objectContaining({ path: 'MSH-5', value: 'LAB' })]),
        }),
      ]),
    });
    const answerPage = await fetch(
      `${base}/messages/${envelopeId}/content`,
      as(phi, { method: 'POST', body: new URLSearchParams({ reason: 'what did the lab say', record: record(sentAck!.baseOffset) }) }),
    );
    const answer = await answerPage.text();
    expect(answer).toContain('lab&#39;s answer to attempt 1');
    expect(answer).toContain('MSA-3');
    expect(answer).toContain('filed');
    // A position that is not a sent record of this message (the route record, another offset) shows nothing.
    for (const other of [`${config.targets[0]!.routeTopic}/0/${route!.baseOffset}`, record('999')])
      expect((await fetch(`${base}/api/messages/${envelopeId}/content`, json(phi, { record: other }))).status).toBe(404);
    expect((await fetch(`${base}/api/messages/${envelopeId}/content`, json(phi, { record: 'not a position' }))).status).toBe(400);

    const auditor = await signIn('auditor');
    const entries = await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/audit`, as(auditor))).json()) as { entries: Record<string, unknown>[] };
        return body.entries.length >= 4 ? body.entries : undefined;
      },
      30000,
      'the content views in the audit log',
    );
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: 'dev:tester-phi',
          action: 'view-content',
          controlId: 'API-1',
          reason: 'lab called about API-1',
          outcome: 'shown',
        }),
        expect.objectContaining({ actor: 'dev:tester-phi', action: 'view-content', reason: '', topic: config.ADT_TOPIC }),
        expect.objectContaining({
          action: 'view-content',
          target: 'lab',
          reason: 'what did the lab say',
          topic: config.targets[0]!.sentTopic,
          offset: sentAck!.baseOffset,
          outcome: 'shown',
        }),
      ]),
    );
    expect(JSON.stringify(entries)).not.toMatch(/MRN-API-1|DOE/);
  }, 120000);

  it('replays a dead letter onto its route topic for an operator, audited, and shows it on the dead-letter list', async () => {
    const envelope = envelopeFromText(
      'MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261201101500||ADT^A08^ADT_A01|API-2|P|2.5.1\rPID|1||MRN-API-2^^^GENHOSP^MR||ROE^RICHARD\r',
    );
    const lab = config.targets[0]!;
    const producer = testKafka.kafka.producer();
    await producer.connect();
    const [dead] = await producer.send([
      {
        topic: lab.deadLetterTopic,
        key: envelope.mrn,
        value: 'the envelope bytes',
        headers: {
          ...envelopeHeaders(envelope),
          'hl7router.target': 'lab',
          '__connect.errors.topic': lab.routeTopic,
          '__connect.errors.partition': '0',
          '__connect.errors.offset': '0',
          '__connect.errors.stage': 'DELIVERY',
          '__connect.errors.exception.class.name': 'ack:AE',
        },
      },
    ]);
    await producer.disconnect();
    const position = `${lab.deadLetterTopic}/0/${dead!.baseOffset}`;
    const viewer = await signIn('viewer');
    await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/dead-letters?target=lab`, as(viewer))).json()) as {
          deadLetters: { controlId: string }[];
        };
        return body.deadLetters.some((d) => d.controlId === 'API-2') ? true : undefined;
      },
      30000,
      'the dead letter to be indexed',
    );
    const operator = await signIn('operator');
    const replay = await fetch(
      `${base}/api/dead-letters/replay`,
      json(operator, { positions: [position, `${lab.deadLetterTopic}/0/999`], reason: 'LIS fixed' }),
    );
    expect(replay.status).toBe(200);
    const { results } = (await replay.json()) as { results: { outcome: string; routePosition?: { offset: string } }[] };
    expect(results.map((r) => r.outcome)).toEqual(['replayed', 'not-found']);
    const [copy] = await readTopic(testKafka.kafka, lab.routeTopic, {
      until: (records) => records.some((r) => r.headers[REPLAY_HEADER]?.toString() === position),
    }).then((records) => records.filter((r) => r.headers[REPLAY_HEADER]));
    expect(copy!.value!.toString()).toBe('the envelope bytes');
    expect(copy!.headers['__connect.errors.stage']).toBeUndefined();
    const listed = await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/dead-letters?target=lab`, as(viewer))).json()) as {
          deadLetters: { controlId: string; replays: unknown[] }[];
        };
        const found = body.deadLetters.find((d) => d.controlId === 'API-2');
        return found && found.replays.length === 1 ? found : undefined;
      },
      30000,
      'the replayed copy to be indexed',
    );
    expect(listed.replays).toEqual([
      { position: { topic: lab.routeTopic, partition: 0, offset: results[0]!.routePosition!.offset }, status: '' },
    ]);
    const auditor = await signIn('auditor');
    await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/audit`, as(auditor))).json()) as { entries: Record<string, unknown>[] };
        const replays = body.entries.filter((e) => e['action'] === 'replay');
        return replays.length === 2 ? replays : undefined;
      },
      30000,
      'both replays in the audit log',
    ).then((replays) =>
      expect(replays).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: 'dev:tester-operator',
            controlId: 'API-2',
            target: 'lab',
            reason: 'LIS fixed',
            outcome: 'replayed',
          }),
          expect.objectContaining({ actor: 'dev:tester-operator', offset: '999', outcome: 'not-found' }),
        ]),
      ),
    );

    // The dashboard: nobody consumes the lab's route topic here (no adapter), so all of it is undelivered; the dead
    // letter waits (its replayed copy has no delivery yet); the earlier message's ACK is the last attempt.
    const dashboard = await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/dashboard`, as(viewer))).json()) as { targets: Record<string, unknown>[] };
        return body.targets[0]?.['deadLettersWaiting'] === 1 ? body : undefined;
      },
      30000,
      'the dashboard to count the waiting dead letter',
    );
    expect(dashboard.targets).toEqual([
      expect.objectContaining({
        target: 'lab',
        state: 'catching up',
        lag: 2,
        deliveredLastMinute: 1,
        lastAttempt: expect.objectContaining({ status: 'ACKED' }),
      }),
    ]);
    expect(dashboard.targets[0]!['oldestUndeliveredSeconds']).toBeGreaterThanOrEqual(0);
    const page = await (await fetch(`${base}/dashboard`, as(viewer))).text();
    expect(page).toContain('http-equiv="refresh"');
    expect(page).toMatch(/<td class="dead-letters">\s*<a href="\/dead-letters\?target=lab&amp;waiting=1">1<\/a>/);
  }, 120000);

  it('releases quarantined input to the gateway for an operator: the kept bytes again, accepted or refused, audited', async () => {
    const producer = testKafka.kafka.producer();
    await producer.connect();
    const refused = (controlId: string) =>
      `MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261201101500||ADT^A04^ADT_A01|${controlId}|P|2.5.1\rPID|1||X^^^GENHOSP^PI||DOE^JANE\r`;
    const quarantine = (controlId: string, value: string | null) => ({
      topic: config.QUARANTINE_TOPIC,
      key: 'main',
      value,
      headers: {
        'hl7.control-id': controlId,
        'hl7.error.code': '101',
        'hl7.error.reason': 'PID-3 has no MR identifier',
        'hl7.listener': 'main',
      },
    });
    const written = await producer.send([
      quarantine('Q-FIXED', refused('Q-FIXED')),
      quarantine('Q-STILL-BAD', refused('Q-STILL-BAD')),
      quarantine('Q-HUGE', null),
    ]);
    await producer.disconnect();
    const at = (i: number) => `${config.QUARANTINE_TOPIC}/0/${BigInt(written[0]!.baseOffset) + BigInt(i)}`;
    const viewer = await signIn('viewer');
    await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/quarantine`, as(viewer))).json()) as {
          quarantined: unknown[];
          releaseEnabled: boolean;
        };
        return body.quarantined.length === 3 && body.releaseEnabled ? true : undefined;
      },
      30000,
      'the quarantined input to be indexed',
    );
    expect((await fetch(`${base}/api/quarantine/release`, json(viewer, { positions: [at(0)] }))).status).toBe(403);
    const operator = await signIn('operator');
    const response = await fetch(
      `${base}/api/quarantine/release`,
      json(operator, { positions: [at(2), at(1), at(0)], reason: 'MR type mapping fixed' }),
    );
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: { controlId: string; outcome: string; ackCode: string; detail: string }[] };
    expect(results).toEqual([
      expect.objectContaining({ controlId: 'Q-FIXED', outcome: 'released', ackCode: 'AA' }),
      expect.objectContaining({ controlId: 'Q-STILL-BAD', outcome: 'refused', ackCode: 'AR', detail: 'ERR 101 at PID-3' }),
      expect.objectContaining({ controlId: 'Q-HUGE', outcome: 'not-kept' }),
    ]);
    // The gateway got exactly the kept bytes, in log order.
    expect(gateway.received.map((m) => m.raw.toString())).toEqual([refused('Q-FIXED'), refused('Q-STILL-BAD')]);
    const auditor = await signIn('auditor');
    const releases = await eventually(
      async () => {
        const body = (await (await fetch(`${base}/api/audit`, as(auditor))).json()) as { entries: Record<string, unknown>[] };
        const found = body.entries.filter((e) => e['action'] === 'release');
        return found.length === 3 ? found : undefined;
      },
      30000,
      'the releases in the audit log',
    );
    expect(releases).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'dev:tester-operator', controlId: 'Q-FIXED', reason: 'MR type mapping fixed', outcome: 'sent' }),
        expect.objectContaining({ controlId: 'Q-HUGE', outcome: 'not-kept' }),
      ]),
    );
    const page = await (await fetch(`${base}/quarantine`, as(await signIn('viewer', 'operator')))).text();
    expect(page).toContain('Release the selected');
    expect(await (await fetch(`${base}/quarantine`, as(viewer))).text()).not.toContain('Release the selected');
    expect(page).not.toContain('DOE');
  }, 60000);
});

// The notify adapter's mapping on a real published ADT^A01 (FHIR-Converter's sample: PD1-4 primary care 88, PV1-7
// attending 1122334, PV1-3 at HOMERTON UNIVER): who is notified, what the email says, and what it never says.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { decodeEmail, mapEnvelope } from '@lib/adapter-sdk';
import { envelopeFromText } from '@lib/envelope';
import { ConfigError, hashMrn } from '@lib/platform';
import { createNotifyAdapter } from './notify-adapter.js';
import { SubscriptionTable, SubscriptionTableError } from './subscriptions.js';

const KEY = 'notify-unit-test-hash-key';
const fixture = readFileSync(new URL('../../../test/fixtures/hl7/public/fhir-converter/adt-a01-v28-full.hl7', import.meta.url), 'utf8');
const a01 = envelopeFromText(fixture.replace(/\r?\n/g, '\r'));
const withEvent = (event: string) =>
  envelopeFromText(
    fixture
      .replace(/\r?\n/g, '\r')
      .replace(/ADT\^A01\^ADT_A01/, `ADT^${event}^ADT_A01`)
      .replace(/^EVN\|A01/m, `EVN|${event}`),
  );

function adapterWith(rows: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'notify-'));
  const file = join(dir, 'subscriptions.csv');
  writeFileSync(file, `provider_id,email,events\n${rows}`);
  return createNotifyAdapter({ NOTIFY_SUBSCRIPTIONS_FILE: file, LOG_HASH_KEY: KEY, ...env });
}

const emailsOf = (outcome: ReturnType<typeof mapEnvelope>) =>
  outcome.kind === 'mapped' ? outcome.messages.map((m) => decodeEmail(m.bytes)) : [];

describe('notify adapter mapping', () => {
  it('emails each address subscribed to a provider the ADT names (primary care, attending), once per address', () => {
    const adapter = adapterWith(
      '88,pcp@clinic.example.org,\n1122334,attending@hospital.example.org,A01\n1122334,pcp@clinic.example.org,\n999,other@x.example.org,',
    );
    const emails = emailsOf(mapEnvelope(adapter, a01));
    expect(emails.map((e) => e.to)).toEqual(['pcp@clinic.example.org', 'attending@hospital.example.org']);
    const [email] = emails;
    expect(email!.subject).toBe('Admission at HOMERTON UNIVER: patient A.E. (A01)');
    expect(email!.text).toContain('Where:     HUH AE OMU-OMU B-Bed 03');
    expect(email!.text).toContain(`reference ${hashMrn(a01.mrn, KEY)}`);
    // Minimum necessary: no name, no MRN, no birth date, no address.
    for (const phi of [a01.mrn, 'EVERYMAN', 'ADAM', '1924']) expect(`${email!.subject}\n${email!.text}`).not.toContain(phi);
  });

  it('gives each email a stable id per message and recipient, never the address', () => {
    const adapter = adapterWith('88,pcp@clinic.example.org,\n88,nurse@clinic.example.org,');
    const [first, second] = emailsOf(mapEnvelope(adapter, a01));
    const again = emailsOf(mapEnvelope(adapter, a01));
    expect(again.map((e) => e.id)).toEqual([first!.id, second!.id]);
    expect(first!.id).not.toBe(second!.id);
    expect(first!.id.startsWith(`${a01.envelopeId}.`)).toBe(true);
    expect(first!.id).not.toContain('clinic');
  });

  it('honours the events a subscription names, and skips a message no one subscribed to', () => {
    const adapter = adapterWith('88,pcp@clinic.example.org,A03');
    expect(mapEnvelope(adapter, a01)).toMatchObject({ kind: 'skipped', reason: 'no one to notify' });
    expect(emailsOf(mapEnvelope(adapter, withEvent('A03'))).map((e) => e.subject)).toEqual([
      'Discharge at HOMERTON UNIVER: patient A.E. (A03)',
    ]);
  });

  it('takes A01/A02/A03/A04 only: an A08 is not for this adapter', () => {
    expect(mapEnvelope(adapterWith('88,pcp@clinic.example.org,'), withEvent('A08'))).toMatchObject({ kind: 'skipped' });
  });

  it('names the patient only with NOTIFY_PHI=identified, and links to the console when CONSOLE_URL is set', () => {
    const adapter = adapterWith('88,pcp@clinic.example.org,', { NOTIFY_PHI: 'identified', CONSOLE_URL: 'https://console.example.org/' });
    const [email] = emailsOf(mapEnvelope(adapter, a01));
    expect(email!.text).toContain(`https://console.example.org/messages/${a01.envelopeId}`);
    const templates = mkdtempSync(join(tmpdir(), 'notify-tpl-'));
    writeFileSync(join(templates, 'body'), '{{patient.name}} / {{patient.mrn}}');
    const identified = adapterWith('88,pcp@clinic.example.org,', {
      NOTIFY_PHI: 'identified',
      NOTIFY_BODY_TEMPLATE_FILE: join(templates, 'body'),
    });
    expect(emailsOf(mapEnvelope(identified, a01))[0]!.text).toBe(`ADAM EVERYMAN / ${a01.mrn}`);
    const minimal = adapterWith('88,pcp@clinic.example.org,', { NOTIFY_BODY_TEMPLATE_FILE: join(templates, 'body') });
    expect(emailsOf(mapEnvelope(minimal, a01))[0]!.text).toBe(' / ');
  });

  it('dead-letters (map stage) an email the template makes unsendable, naming the problem, not the value', () => {
    const templates = mkdtempSync(join(tmpdir(), 'notify-tpl-'));
    writeFileSync(join(templates, 'subject'), '   ');
    const adapter = adapterWith('88,pcp@clinic.example.org,', { NOTIFY_SUBJECT_TEMPLATE_FILE: join(templates, 'subject') });
    const outcome = mapEnvelope(adapter, a01);
    expect(outcome).toMatchObject({ kind: 'rejected', stage: 'map' });
    expect(outcome.kind === 'rejected' && outcome.error.message).toMatch(/subject: one non-empty line/);
  });

  it('lists every problem of its settings and of the subscription table at start-up', () => {
    expect(() => createNotifyAdapter({ NOTIFY_PHI: 'everything' })).toThrow(ConfigError);
    try {
      createNotifyAdapter({ NOTIFY_PHI: 'everything', CONSOLE_URL: 'ftp://x' });
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['NOTIFY_PHI', 'CONSOLE_URL', 'LOG_HASH_KEY']);
    }
    expect(() => SubscriptionTable.parseCsv('provider_id,email,events\n,not-an-address,A1\n')).toThrow(
      new SubscriptionTableError(
        'subscriptions row 1: provider_id is empty; subscriptions row 1: email is not a plain address; subscriptions row 1: events must look like A01 A03',
      ),
    );
  });
});

describe('subscriptions from the topic', () => {
  const table = () => SubscriptionTable.parseCsv('provider_id,email,events\n88,file@clinic.example.org,\n');
  const record = (value: unknown) => Buffer.from(JSON.stringify(value));

  it("a provider's topic entry replaces its file rows; an empty list silences it; a tombstone gives the file's back", () => {
    const t = table();
    t.applyRecord('88', record({ subscriptions: [{ email: 'topic@clinic.example.org', events: ['A03'] }] }));
    expect(t.recipients(['88'], 'A01')).toEqual([]);
    expect(t.recipients(['88'], 'A03')).toEqual(['topic@clinic.example.org']);
    t.applyRecord('88', record({ subscriptions: [] }));
    expect(t.recipients(['88'], 'A03')).toEqual([]);
    t.applyRecord('88', null);
    expect(t.recipients(['88'], 'A03')).toEqual(['file@clinic.example.org']);
    t.applyRecord('99', record({ subscriptions: [{ email: 'new@clinic.example.org' }] }));
    expect(t.recipients(['99', '88'], 'A01')).toEqual(['new@clinic.example.org', 'file@clinic.example.org']);
    expect(t.size).toBe(2);
  });

  it.each([
    ['not JSON', Buffer.from('{'), /not JSON/],
    ['no list', record({ emails: [] }), /without a subscriptions list/],
    ['a bad address', record({ subscriptions: [{ email: 'x' }] }), /subscription 1: email is not a plain address/],
    ['bad events', record({ subscriptions: [{ email: 'a@b.org', events: ['admit'] }] }), /events must look like/],
  ])('refuses %s, naming the problem, and keeps what it had', (_name, value, problem) => {
    const t = table();
    t.applyRecord('88', record({ subscriptions: [{ email: 'kept@clinic.example.org' }] }));
    expect(() => t.applyRecord('88', value)).toThrow(problem);
    expect(t.recipients(['88'], 'A01')).toEqual(['kept@clinic.example.org']);
  });
});

import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@lib/platform';
import { DEFAULT_ACK_ACTIONS } from '../delivery/ack-policy.js';
import { loadAdapterConfig } from './adapter-config.js';

const adapter = { name: 'blood-bank', sourceTopic: 'hl7.route.blood-bank.v1' };
const base = {
  KAFKA_BROKERS: 'k:9092',
  SCHEMA_REGISTRY_URL: 'http://r:8081',
  LOG_HASH_KEY: 'a-key-of-16-chars',
  ADAPTER_BLOOD_BANK_TARGET: 'mllp://bb.example:6661',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadAdapterConfig(adapter, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('adapter config', () => {
  it('applies the documented defaults; the target comes from ADAPTER_<NAME>_TARGET', () => {
    const config = loadAdapterConfig(adapter, base);
    expect(config.target).toEqual({ kind: 'mllp', host: 'bb.example', port: 6661, tls: false });
    expect(config).toMatchObject({
      SOURCE_TOPIC: 'hl7.route.blood-bank.v1',
      GROUP_ID: 'hl7-adapter-blood-bank',
      LEDGER_TOPIC: 'hl7.delivery.v1',
      DEAD_LETTER_TOPIC: 'hl7.dlq.blood-bank.v1',
      ORDERING: 'key',
      CONNECTIONS: 8,
      MAX_IN_FLIGHT: 64,
      HOLD_ON_FAILURE: false,
      HTTP_PORT: 9470,
    });
    expect(config.ACK_ACTIONS).toEqual(DEFAULT_ACK_ACTIONS);
  });

  it.each([
    { url: 'mllps://ris.example:2575', target: { kind: 'mllp', host: 'ris.example', port: 2575, tls: true } },
    { url: 'mllp://[::1]:6661/', target: { kind: 'mllp', host: '::1', port: 6661, tls: false } },
  ])('reads the target $url', ({ url, target }) => {
    expect(loadAdapterConfig(adapter, { ...base, ADAPTER_BLOOD_BANK_TARGET: url }).target).toEqual(target);
  });

  it.each(['http://bb:80', 'mllp://bb', 'mllp://bb:0', 'mllp://bb:70000', 'bb:6661'])('refuses the target %s', (url) => {
    expect(problems({ ...base, ADAPTER_BLOOD_BANK_TARGET: url })).toEqual([
      'ADAPTER_BLOOD_BANK_TARGET: ADAPTER_BLOOD_BANK_TARGET must look like mllp://host:port or mllps://host:port',
    ]);
  });

  it('overrides the action per answer with ACK_ACTIONS, and lists what it cannot read', () => {
    const config = loadAdapterConfig(adapter, { ...base, ACK_ACTIONS: 'AE=dead-letter, timeout=retry' });
    expect(config.ACK_ACTIONS).toEqual({ ...DEFAULT_ACK_ACTIONS, AE: 'dead-letter' });
    expect(problems({ ...base, ACK_ACTIONS: 'AE=ignore,XX=retry' })).toEqual([
      expect.stringContaining('ACK_ACTIONS: AE=ignore: expected <AA|CA|AE|CE|AR|CR|timeout|connection|mismatch|garbled>'),
      expect.stringContaining('ACK_ACTIONS: XX=retry: expected'),
    ]);
  });

  const mailer = { ...adapter, output: 'email' as const };
  it.each([
    { url: 'smtp://mail.example.org:587', target: { kind: 'smtp', host: 'mail.example.org', port: 587, implicitTls: false } },
    { url: 'smtps://mail.example.org:465', target: { kind: 'smtp', host: 'mail.example.org', port: 465, implicitTls: true } },
    { url: 'ses://eu-west-1', target: { kind: 'ses', region: 'eu-west-1' } },
  ])('an email adapter reads the target $url, and needs MAIL_FROM', ({ url, target }) => {
    const env = { ...base, ADAPTER_BLOOD_BANK_TARGET: url, MAIL_FROM: 'notify@hospital.example.org' };
    expect(loadAdapterConfig(mailer, env)).toMatchObject({ target, SMTP_STARTTLS: 'required', SEND_RATE_PER_SECOND: 10 });
    expect(() => loadAdapterConfig(mailer, { ...env, MAIL_FROM: '' })).toThrow(/MAIL_FROM/);
  });

  it('an email adapter refuses an MLLP target, and an MLLP adapter an email one', () => {
    const mail = { ...base, MAIL_FROM: 'notify@hospital.example.org' };
    expect(() => loadAdapterConfig(mailer, mail)).toThrow(
      /must look like smtp:\/\/host:port \(STARTTLS\), smtps:\/\/host:port or ses:\/\/<region>/,
    );
    expect(problems({ ...base, ADAPTER_BLOOD_BANK_TARGET: 'smtp://mail:25' })).toEqual([
      'ADAPTER_BLOOD_BANK_TARGET: ADAPTER_BLOOD_BANK_TARGET must look like mllp://host:port or mllps://host:port',
    ]);
  });

  it('lists every missing setting at once, and checks TLS and SASL pairs', () => {
    expect(problems({}).map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'ADAPTER_BLOOD_BANK_TARGET', 'LOG_HASH_KEY']),
    );
    expect(problems({ ...base, TARGET_TLS_CERT_FILE: '/c.pem' })).toEqual([
      'TARGET_TLS_CERT_FILE: TARGET_TLS_CERT_FILE and TARGET_TLS_KEY_FILE go together',
    ]);
    expect(problems({ ...base, KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toEqual([
      'KAFKA_SASL_USERNAME: SASL needs a username and a password',
    ]);
  });
});

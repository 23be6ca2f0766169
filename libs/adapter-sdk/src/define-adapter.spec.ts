import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { type AdapterDefinition, defineAdapter, mapEnvelope } from './define-adapter.js';
import type { MessageEditor } from '@lib/hl7';
import { envelopeFromText } from '@lib/envelope';

/** Declares the target's character set in MSH-18 and changes nothing else. */
const adapterWriting = (charset: string) =>
  defineAdapter({
    name: 'charset-test',
    baseDir: fileURLToPath(new URL('.', import.meta.url)),
    accepts: { messageTypes: ['ADT'] },
    profile: { version: '2.5.1', required: ['PID-3.1'] },
    map: (message) => message.set('MSH-18', charset),
  });

const envelope = envelopeFromText(
  'MSH|^~\\&|EHR|H|R|H|20261130||ADT^A08^ADT_A01|C1|P|2.5.1|||||||UNICODE UTF-8\rPID|1||M1^^^H^MR||Müller^Jürgen||1980|M\r',
);

describe('mapEnvelope: the target character set', () => {
  it('writes a name the target charset can hold', () => {
    const outcome = mapEnvelope(adapterWriting('8859/1'), envelope);
    expect(outcome.kind).toBe('mapped');
    if (outcome.kind !== 'mapped') return;
    expect(outcome.messages[0]!.bytes.toString('latin1')).toContain('Müller^Jürgen');
  });

  it.each([
    ['ASCII', 'PID-5 holds a character ASCII cannot represent'],
    ['UTF-7', 'MSH-18 names no character set we can write'],
  ])('refuses to write what %s cannot hold (a mapping error naming the field, never the value)', (charset, reason) => {
    const outcome = mapEnvelope(adapterWriting(charset), envelope);
    expect(outcome).toMatchObject({ kind: 'rejected', stage: 'map' });
    if (outcome.kind !== 'rejected') return;
    expect(outcome.error.message).toBe(reason);
    expect(outcome.error.message).not.toMatch(/M.ller|J.rgen/);
  });
});

describe('defineAdapter: HL7 out or email out', () => {
  const base = { name: 'x', baseDir: '.', accepts: { messageTypes: ['ADT'] } };
  const profile = { version: '2.5.1', required: [] };
  it.each([
    ['neither a mapping nor emails', base],
    ['a mapping without a profile', { ...base, map: (m: MessageEditor) => m }],
    ['both a mapping and emails', { ...base, map: (m: MessageEditor) => m, profile, emails: () => [] }],
  ])('refuses %s', (_name, definition) => {
    expect(() => defineAdapter(definition as AdapterDefinition)).toThrow(/give either map and profile \(HL7 out\) or emails \(email out\)/);
  });

  it('says which it is', () => {
    expect(defineAdapter({ ...base, map: (m) => m, profile }).output).toBe('hl7');
    expect(defineAdapter({ ...base, emails: () => [] }).output).toBe('email');
  });
});

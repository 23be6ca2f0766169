import { readFileSync } from 'node:fs';
import { parseMessage, readHeader } from '@lib/hl7';
import { HL7_ENVELOPE_SCHEMA, type Hl7Envelope, buildEnvelope } from '@lib/platform';
import type { Serde } from '@lib/streams';
import avro from 'avsc';

const corpus = new URL('../../../../test/fixtures/hl7/public/', import.meta.url);

/** A public corpus message as wire text (segments separated by CR), e.g. corpusMessage('fhir-converter/adt-a01-v28-full.hl7'). */
export function corpusMessage(path: string): string {
  return readFileSync(new URL(path, corpus), 'utf8')
    .replace(/^\ufeff/, '')
    .replace(/\r?\n/g, '\r');
}

/** Replaces field `n` (1-based, MSH numbering) of the first segment named `segment`. */
export function withField(text: string, segment: string, n: number, value: string): string {
  return text
    .split('\r')
    .map((line, i, lines) => {
      if (!line.startsWith(`${segment}|`) || lines.findIndex((l) => l.startsWith(`${segment}|`)) !== i) return line;
      const fields = line.split('|');
      const index = segment === 'MSH' ? n - 1 : n;
      while (fields.length <= index) fields.push('');
      fields[index] = value;
      return fields.join('|');
    })
    .join('\r');
}

/** A small ADT message: MSH, EVN, PID (MRN as MR), PV1 (class, location). */
export function adtMessage(options: {
  trigger: string;
  mrn: string;
  controlId: string;
  facility?: string;
  patientClass?: string;
  location?: string;
  name?: string;
}): string {
  const t = options.trigger;
  return [
    `MSH|^~\\&|EHR|${options.facility ?? 'GENHOSP'}|ROUTER|HOSP|20261125101500||ADT^${t}^ADT_A01|${options.controlId}|P|2.5.1`,
    `EVN|${t}|20261125101500`,
    `PID|1||${options.mrn}^^^GENHOSP^MR||${options.name ?? 'DOE^JANE'}||19800101|F`,
    `PV1|1|${options.patientClass ?? 'I'}|${options.location ?? 'WARD1^101^A'}||||1234^SMITH^ANN||||||||||||V${options.mrn}`,
    '',
  ].join('\r');
}

/** The envelope the gateway would write for `text` (UTF-8), with MRN from PID-3 (MR). */
export function envelopeOf(text: string, receivedAt = Date.UTC(2026, 10, 25, 10, 15)): Hl7Envelope {
  const message = parseMessage(text);
  const header = readHeader(message);
  const mrnRepetition = message.repetitions('PID-3').findIndex((_, i) => message.get(`PID-3[${i + 1}].5`) === 'MR') + 1;
  return buildEnvelope({
    controlId: header.controlId,
    messageType: header.messageType,
    triggerEvent: header.triggerEvent,
    structure: header.structure,
    version: header.version,
    sendingApplication: message.getRaw('MSH-3'),
    sendingFacility: message.getRaw('MSH-4'),
    receivingApplication: message.getRaw('MSH-5'),
    receivingFacility: message.getRaw('MSH-6'),
    mrn: message.get(`PID-3[${mrnRepetition}].1`),
    assigningAuthority: message.get(`PID-3[${mrnRepetition}].4.1`),
    receivedAt,
    listener: 'test',
    remoteAddress: '127.0.0.1',
    charset: 'utf8',
    charsetFallback: false,
    raw: Buffer.from(text, 'utf8'),
  });
}

/** The envelope's Avro encoding without a registry (for the in-memory driver): real Avro, no wire-format header. */
export function plainAvroEnvelopeSerde(): Serde<Hl7Envelope> {
  const type = avro.Type.forSchema(HL7_ENVELOPE_SCHEMA as avro.Schema);
  return {
    serialize: (value) => type.toBuffer(value),
    deserialize: (bytes) => type.fromBuffer(bytes) as Hl7Envelope,
  };
}

import { readFileSync } from 'node:fs';
import { envelopeFromText, HL7_ENVELOPE_SCHEMA, type Hl7Envelope } from '@lib/envelope';
import type { Serde } from '@lib/kafka';
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

/** The envelope the gateway would write for `text` (UTF-8), with MRN from PID-3 (MR): the SDK's envelopeFromText. */
export const envelopeOf = (text: string, receivedAt?: number): Hl7Envelope => envelopeFromText(text, receivedAt);

/** The envelope's Avro encoding without a registry (for the in-memory driver): real Avro, no wire-format header. */
export function plainAvroEnvelopeSerde(): Serde<Hl7Envelope> {
  const type = avro.Type.forSchema(HL7_ENVELOPE_SCHEMA as avro.Schema);
  return {
    serialize: (value) => type.toBuffer(value),
    deserialize: (bytes) => type.fromBuffer(bytes) as Hl7Envelope,
  };
}

import { parseMessage, readHeader } from '@lib/hl7';
import { type Hl7Envelope, buildEnvelope } from '@lib/platform';

/**
 * The envelope the gateway would write for an HL7 text (UTF-8): header facts, MRN from the PID-3 repetition of type
 * MR (or the only one). A fixed receivedAt and envelope id keep golden files and tests repeatable.
 */
export function envelopeFromText(text: string, receivedAt = Date.UTC(2026, 10, 25, 10, 15)): Hl7Envelope {
  const normalised = text.replace(/^\ufeff/, '').replace(/\r?\n/g, '\r');
  const message = parseMessage(normalised);
  const header = readHeader(message);
  const repetitions = message.repetitions('PID-3');
  const mr = repetitions.findIndex((_, i) => message.get(`PID-3[${i + 1}].5`) === 'MR') + 1 || (repetitions.length === 1 ? 1 : 0);
  return buildEnvelope(
    {
      controlId: header.controlId,
      messageType: header.messageType,
      triggerEvent: header.triggerEvent,
      structure: header.structure,
      version: header.version,
      sendingApplication: message.getRaw('MSH-3'),
      sendingFacility: message.getRaw('MSH-4'),
      receivingApplication: message.getRaw('MSH-5'),
      receivingFacility: message.getRaw('MSH-6'),
      mrn: mr ? message.get(`PID-3[${mr}].1`) : '',
      assigningAuthority: mr ? message.get(`PID-3[${mr}].4.1`) : '',
      receivedAt,
      listener: 'test',
      remoteAddress: '127.0.0.1',
      charset: 'utf8',
      charsetFallback: false,
      raw: Buffer.from(normalised, 'utf8'),
    },
    () => `test-${header.controlId}`,
  );
}

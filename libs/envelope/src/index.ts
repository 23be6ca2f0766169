export {
  buildEnvelope,
  controlIdHeader,
  ENVELOPE_HEADERS,
  envelopeHeaders,
  envelopeSpanAttributes,
  HL7_SPAN_ATTRIBUTES,
  HL7_ENVELOPE_SCHEMA,
  routeTopic,
  sha256Hex,
  type EnvelopeFields,
  type Hl7Envelope,
} from './hl7-envelope.js';
export {
  envelopeFromMessage,
  envelopeFromText,
  EnvelopeTextError,
  FIXTURE_PATIENT_ID_RULE,
  isEnvelope,
  type EnvelopeOptions,
  type EnvelopeReceipt,
} from './envelope-from-message.js';
export { envelopeFromJson, EnvelopeJsonError } from './envelope-json.js';
export { openKafka, type OpenedKafka, type OpenKafkaOptions } from './open-kafka.js';

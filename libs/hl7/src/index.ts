export { ackCode, ackRequested, buildAck, buildBatchAck, hl7Timestamp, type AckCode, type AckInput, type AckOutcome } from './ack.js';
export { splitFrame, type SplitFrame } from './batch.js';
export {
  decodeMessageBytes,
  decodeWith,
  declaredCharset,
  encodeText,
  resolveCharset,
  type CharsetPolicy,
  type DecodedText,
} from './charset.js';
export { DEFAULT_DELIMITERS, encodingCharacters, readDelimiters, type Delimiters } from './delimiters.js';
export { escapeValue, unescapeValue } from './escape.js';
export { peekMessageType, readHeader, type MessageHeader, type MessageTypePeek } from './header.js';
export { HL7_ERROR_TEXT, Hl7ErrorCode, Hl7ParseError, issue, type Hl7Issue, type Hl7Location } from './hl7-error.js';
export { HL7_FIELD_NAMES } from './field-names.js';
export { describeMessage, type FieldView, type SegmentView } from './message-view.js';
export { Hl7Message, parseMessage, parsePath, type FieldPath, type Hl7Segment } from './message.js';
export { extractPatientId, isIssue, type PatientId, type PatientIdRule } from './patient-id.js';
export { SUPPORTED_VERSIONS, validateHeader, type HeaderPolicy } from './validate.js';
export { MessageEditor } from './message-editor.js';

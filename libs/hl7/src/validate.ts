import type { MessageHeader } from './header.js';
import { Hl7ErrorCode, type Hl7Issue, issue } from './hl7-error.js';

export const SUPPORTED_VERSIONS = [
  '2.1',
  '2.2',
  '2.3',
  '2.3.1',
  '2.4',
  '2.5',
  '2.5.1',
  '2.6',
  '2.7',
  '2.7.1',
  '2.8',
  '2.8.1',
  '2.8.2',
] as const;

export interface HeaderPolicy {
  /** MSH-9.1 values accepted, e.g. ['ADT']. */
  messageTypes: readonly string[];
  /** Optional per-type list of MSH-9.2 trigger events accepted; a type absent here accepts any event. */
  triggerEvents?: Readonly<Record<string, readonly string[]>>;
  versions?: readonly string[];
}

const at = (field: number, component?: number) =>
  component ? { segment: 'MSH', sequence: 1, field, component } : { segment: 'MSH', sequence: 1, field };

/** Checks the header fields the gateway relies on. Returns every problem found (empty when acceptable). */
export function validateHeader(header: MessageHeader, policy: HeaderPolicy): Hl7Issue[] {
  const issues: Hl7Issue[] = [];
  if (!header.messageType) issues.push(issue(Hl7ErrorCode.RequiredFieldMissing, 'MSH-9.1 message type is empty', at(9, 1)));
  if (!header.triggerEvent && header.messageType !== 'ACK')
    issues.push(issue(Hl7ErrorCode.RequiredFieldMissing, 'MSH-9.2 trigger event is empty', at(9, 2)));
  if (!header.controlId) issues.push(issue(Hl7ErrorCode.RequiredFieldMissing, 'MSH-10 message control id is empty', at(10)));
  if (!header.processingId) issues.push(issue(Hl7ErrorCode.RequiredFieldMissing, 'MSH-11 processing id is empty', at(11)));
  if (!header.version) issues.push(issue(Hl7ErrorCode.RequiredFieldMissing, 'MSH-12 version id is empty', at(12)));
  else if (!(policy.versions ?? SUPPORTED_VERSIONS).includes(header.version)) {
    issues.push(issue(Hl7ErrorCode.UnsupportedVersionId, 'MSH-12 names an HL7 version this listener does not accept', at(12)));
  }
  if (header.messageType && !policy.messageTypes.includes(header.messageType)) {
    issues.push(issue(Hl7ErrorCode.UnsupportedMessageType, 'MSH-9.1 message type is not accepted by this listener', at(9, 1)));
  } else if (header.triggerEvent) {
    const events = policy.triggerEvents?.[header.messageType];
    if (events && !events.includes(header.triggerEvent)) {
      issues.push(issue(Hl7ErrorCode.UnsupportedEventCode, 'MSH-9.2 trigger event is not accepted by this listener', at(9, 2)));
    }
  }
  return issues;
}

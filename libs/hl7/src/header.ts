import type { Hl7Message } from './message.js';

/** The MSH fields the gateway and router act on, decoded. */
export interface MessageHeader {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  /** MSH-7, as written. */
  timestamp: string;
  /** MSH-9.1, e.g. ADT. */
  messageType: string;
  /** MSH-9.2, e.g. A01. */
  triggerEvent: string;
  /** MSH-9.3, e.g. ADT_A01 ('' before v2.3.1 or when absent). */
  structure: string;
  /** MSH-10, decoded and trimmed (the message's identity: dedup keys, headers, logs). */
  controlId: string;
  /** MSH-10 exactly as sent (escaped, untrimmed): what MSA-2 echoes, so a strict sender matches its ACK. */
  rawControlId: string;
  /** MSH-11.1: P, D or T. */
  processingId: string;
  /** MSH-12.1 */
  version: string;
  /** MSH-15 accept acknowledgment type (enhanced mode when present): AL, NE, ER, SU. */
  acceptAckType: string;
  /** MSH-16 application acknowledgment type. */
  applicationAckType: string;
  /** MSH-18, first repetition, as written (e.g. "UNICODE UTF-8", "8859/1"). */
  charset: string;
}

export function readHeader(message: Hl7Message): MessageHeader {
  const g = (path: string) => message.get(path).trim();
  // HD-typed fields: keep the whole value (namespace^universal id^type) as the identity of the sender.
  const hd = (field: number) => message.getRaw(`MSH-${field}`).trim();
  return {
    sendingApplication: hd(3),
    sendingFacility: hd(4),
    receivingApplication: hd(5),
    receivingFacility: hd(6),
    timestamp: g('MSH-7.1'),
    messageType: g('MSH-9.1'),
    triggerEvent: g('MSH-9.2'),
    structure: g('MSH-9.3'),
    controlId: g('MSH-10'),
    rawControlId: message.getRaw('MSH-10'),
    processingId: g('MSH-11.1'),
    version: g('MSH-12.1'),
    acceptAckType: g('MSH-15'),
    applicationAckType: g('MSH-16'),
    charset: g('MSH-18'),
  };
}

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

/** MSH-9.1 and MSH-9.2 of a frame, as a transport routes on them. */
export interface MessageTypePeek {
  messageType: string;
  triggerEvent: string;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * MSH-9.1 and MSH-9.2 read from the frame's first segment alone, without decoding or parsing the message (linear in
 * that segment, whatever the frame's size): what the MLLP transport routes on before the handler parses it fully.
 * `undefined` when the frame does not start with an MSH segment (a batch starts with FHS or BHS) or has no MSH-9.
 */
export function peekMessageType(payload: Buffer): MessageTypePeek | undefined {
  // A UTF-8 byte order mark, as the decoder skips it.
  let start = payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf ? 3 : 0;
  while (start < payload.length && (payload[start] === CR || payload[start] === LF)) start++;
  if (payload.length < start + 5 || payload.toString('latin1', start, start + 3) !== 'MSH') return undefined;
  const fieldSeparator = payload[start + 3];
  const componentSeparator = payload[start + 4];
  let end = start + 3;
  while (end < payload.length && payload[end] !== CR && payload[end] !== LF) end++;
  // MSH-1 is the separator itself: MSH-9 starts after the 8th separator, counting the one at offset 3.
  let separators = 0;
  let fieldStart = -1;
  for (let i = start + 3; i < end; i++) {
    if (payload[i] !== fieldSeparator) continue;
    separators++;
    if (separators === 8) fieldStart = i + 1;
    else if (separators === 9) return split(payload, fieldStart, i, componentSeparator);
  }
  return fieldStart < 0 ? undefined : split(payload, fieldStart, end, componentSeparator);
}

function split(payload: Buffer, from: number, to: number, componentSeparator: number | undefined): MessageTypePeek | undefined {
  const field = payload.toString('latin1', from, to);
  const [messageType = '', triggerEvent = ''] = field.split(String.fromCharCode(componentSeparator ?? 0x5e));
  return messageType.trim() ? { messageType: messageType.trim(), triggerEvent: triggerEvent.trim() } : undefined;
}

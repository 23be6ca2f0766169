/** HL7 table 0357 (message error condition codes) — the codes hl7-router reports in ERR segments. */
export const Hl7ErrorCode = {
  SegmentSequenceError: '100',
  RequiredFieldMissing: '101',
  DataTypeError: '102',
  TableValueNotFound: '103',
  UnsupportedMessageType: '200',
  UnsupportedEventCode: '201',
  UnsupportedProcessingId: '202',
  UnsupportedVersionId: '203',
  ApplicationInternalError: '207',
} as const;
export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

export const HL7_ERROR_TEXT: Record<Hl7ErrorCode, string> = {
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '207': 'Application internal error',
};

/** Where in a message a problem is: segment id, its 1-based position among segments, field, component. */
export interface Hl7Location {
  segment: string;
  sequence?: number;
  field?: number;
  component?: number;
}

/** One problem with a message, as an ERR segment reports it. The text never contains message content. */
export interface Hl7Issue {
  code: Hl7ErrorCode;
  location?: Hl7Location;
  /** Short, content-free explanation, safe for logs and ACKs. */
  text: string;
  severity: 'E' | 'W';
}

/** A message could not be parsed at all. */
export class Hl7ParseError extends Error {
  readonly retriable = false;

  constructor(readonly issue: Hl7Issue) {
    super(issue.text);
    this.name = 'Hl7ParseError';
  }

  get code(): Hl7ErrorCode {
    return this.issue.code;
  }
}

export function issue(code: Hl7ErrorCode, text: string, location?: Hl7Location): Hl7Issue {
  return location ? { code, text, location, severity: 'E' } : { code, text, severity: 'E' };
}

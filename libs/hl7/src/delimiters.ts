import { Hl7ErrorCode, Hl7ParseError, issue } from './hl7-error.js';

/** The delimiters a message declares in MSH-1 and MSH-2. */
export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** HL7 2.7+ truncation character (MSH-2 fifth character), if present. */
  truncation?: string;
}

export const DEFAULT_DELIMITERS: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

const MSH2_LOCATION = { segment: 'MSH', sequence: 1, field: 2 };

/**
 * Reads MSH-1 and MSH-2 from the start of a message header ("MSH|^~\&|…", or FHS/BHS for batch headers).
 * Custom delimiters are allowed (even letters, which some senders use); they must be distinct printable ASCII
 * characters, four or five of them after the field separator.
 */
export function readDelimiters(header: string): Delimiters {
  const field = header[3];
  if (field === undefined || field.charCodeAt(0) < 0x21 || field.charCodeAt(0) > 0x7e) {
    throw new Hl7ParseError(
      issue(Hl7ErrorCode.RequiredFieldMissing, 'MSH-1 field separator missing or not a printable symbol', {
        segment: 'MSH',
        sequence: 1,
        field: 1,
      }),
    );
  }
  const end = header.indexOf(field, 4);
  const lineEnd = header.search(/[\r\n]/);
  const stop = end === -1 ? (lineEnd === -1 ? header.length : lineEnd) : lineEnd !== -1 && lineEnd < end ? lineEnd : end;
  const chars = header.slice(4, stop);
  if (chars.length < 4 || chars.length > 5) {
    throw new Hl7ParseError(
      issue(Hl7ErrorCode.DataTypeError, `MSH-2 must hold 4 or 5 encoding characters, found ${chars.length}`, MSH2_LOCATION),
    );
  }
  const all = [field, ...chars];
  const printable = all.every((c) => c.charCodeAt(0) >= 0x21 && c.charCodeAt(0) <= 0x7e);
  if (!printable || new Set(all).size !== all.length) {
    throw new Hl7ParseError(
      issue(Hl7ErrorCode.DataTypeError, 'MSH-2 encoding characters must be distinct printable symbols', MSH2_LOCATION),
    );
  }
  const [component, repetition, escape, subcomponent, truncation] = chars as unknown as string[];
  const delimiters: Delimiters = { field, component: component!, repetition: repetition!, escape: escape!, subcomponent: subcomponent! };
  if (truncation !== undefined) delimiters.truncation = truncation;
  return delimiters;
}

export function encodingCharacters(d: Delimiters): string {
  return `${d.component}${d.repetition}${d.escape}${d.subcomponent}${d.truncation ?? ''}`;
}

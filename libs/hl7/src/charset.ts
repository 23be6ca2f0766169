import iconv from 'iconv-lite';
import { Hl7ErrorCode, Hl7ParseError, issue } from './hl7-error.js';

/** HL7 table 0211 names (and common variants seen in the field) → the encoding iconv-lite decodes. */
const CHARSET_SYNONYMS: Record<string, string> = {
  ASCII: 'ascii',
  'ISO IR6': 'ascii',
  '8859/1': 'latin1',
  '8859': 'latin1',
  'ISO IR100': 'latin1',
  'ISO-8859-1': 'latin1',
  '8859/2': 'iso-8859-2',
  'ISO IR101': 'iso-8859-2',
  '8859/3': 'iso-8859-3',
  'ISO IR109': 'iso-8859-3',
  '8859/4': 'iso-8859-4',
  'ISO IR110': 'iso-8859-4',
  '8859/5': 'iso-8859-5',
  'ISO IR144': 'iso-8859-5',
  '8859/6': 'iso-8859-6',
  'ISO IR127': 'iso-8859-6',
  '8859/7': 'iso-8859-7',
  'ISO IR126': 'iso-8859-7',
  '8859/8': 'iso-8859-8',
  'ISO IR138': 'iso-8859-8',
  '8859/9': 'iso-8859-9',
  'ISO IR148': 'iso-8859-9',
  '8859/15': 'iso-8859-15',
  'UNICODE UTF-8': 'utf8',
  UNICODE: 'utf8',
  'UTF-8': 'utf8',
  UTF8: 'utf8',
  'ISO IR192': 'utf8',
  'GB 18030-2000': 'gb18030',
  'KS X 1001': 'euc-kr',
  'BIG-5': 'big5',
  'WINDOWS-1252': 'windows-1252',
  CP1252: 'windows-1252',
};

/**
 * Normalise a declared charset name (MSH-18, a listener default, a fallback) to an iconv-lite encoding: HL7 table
 * 0211 values and the synonyms above only. Anything else iconv-lite happens to know (UTF-7, EBCDIC, ...) is refused:
 * it is not an HL7 character set, and the ACK would come back encoded in it.
 */
export function resolveCharset(name: string): string | undefined {
  return CHARSET_SYNONYMS[name.trim().toUpperCase().replace(/_/g, ' ')];
}

export interface CharsetPolicy {
  /** Used when MSH-18 is empty (per listener). HL7's own default is ASCII; most feeds today send UTF-8. */
  defaultCharset: string;
  /** When the bytes are not valid in the declared/default charset, decode with this one and flag it. */
  fallbackCharset?: string;
}

export interface DecodedText {
  text: string;
  /** The iconv-lite encoding used. */
  charset: string;
  /** MSH-18 as written ('' when absent). */
  declared: string;
  /** True when the bytes were not valid in the declared or default charset and the fallback was used. */
  fallbackUsed: boolean;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** MSH-18 (first repetition) read straight from the bytes: the header is ASCII in every charset we accept. */
export function declaredCharset(raw: Buffer): string {
  const start = raw.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
  let end = raw.indexOf(0x0d, start);
  const lf = raw.indexOf(0x0a, start);
  if (end === -1 || (lf !== -1 && lf < end)) end = lf;
  const line = raw.subarray(start, end === -1 ? raw.length : end).toString('latin1');
  if (!line.startsWith('MSH') || line.length < 8) return '';
  const fields = line.split(line[3]!);
  const repetition = fields[1]?.[1];
  const msh18 = fields[17] ?? '';
  return (repetition ? msh18.split(repetition)[0]! : msh18).trim();
}

function validIn(encoding: string, raw: Buffer): boolean {
  if (encoding === 'utf8') {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(raw);
      return true;
    } catch {
      return false;
    }
  }
  if (encoding === 'ascii') return raw.every((b) => b < 0x80);
  return true; // single-byte and legacy multi-byte tables accept any byte sequence
}

/**
 * Decodes one message's bytes: per MSH-18, else the listener default; if the bytes are invalid in that charset
 * and a fallback is configured, with the fallback (flagged). An MSH-18 naming no charset we know is rejected
 * (HL7 error 103, table value not found, at MSH-18). A leading UTF-8 byte-order mark is dropped.
 */
export function decodeMessageBytes(raw: Buffer, policy: CharsetPolicy): DecodedText {
  const declared = declaredCharset(raw);
  const name = declared || policy.defaultCharset;
  const encoding = resolveCharset(name);
  if (!encoding) {
    throw new Hl7ParseError(
      issue(Hl7ErrorCode.TableValueNotFound, 'MSH-18 names a character set this listener does not support', {
        segment: 'MSH',
        sequence: 1,
        field: 18,
      }),
    );
  }
  const body = raw.subarray(0, 3).equals(UTF8_BOM) ? raw.subarray(3) : raw;
  if (validIn(encoding, body) || !policy.fallbackCharset) {
    return { text: iconv.decode(body, encoding), charset: encoding, declared, fallbackUsed: false };
  }
  const fallback = resolveCharset(policy.fallbackCharset) ?? 'windows-1252';
  return { text: iconv.decode(body, fallback), charset: fallback, declared, fallbackUsed: true };
}

export function encodeText(text: string, encoding: string): Buffer {
  return iconv.encode(text, encoding);
}

/** Decodes bytes with an iconv-lite encoding already chosen (e.g. the one the gateway recorded); drops a UTF-8 BOM. */
export function decodeWith(raw: Buffer, encoding: string): string {
  return iconv.decode(raw.subarray(0, 3).equals(UTF8_BOM) ? raw.subarray(3) : raw, encoding);
}

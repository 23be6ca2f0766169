import { describe, expect, it } from '@jest/globals';
import { readDelimiters } from './delimiters.js';
import { escapeValue, unescapeValue } from './escape.js';
import { Hl7ParseError } from './hl7-error.js';
import { readHeader } from './header.js';
import { parseMessage, parsePath } from './message.js';

const ADT = [
  'MSH|^~\\&|EPIC|HOSP^1.2.3^ISO|LAB|LABFAC|20240102030405||ADT^A01^ADT_A01|CTRL-1|P|2.5.1|||AL|NE||UNICODE UTF-8',
  'EVN|A01|20240102030405',
  'PID|1||123^^^HOSP^PI~0012345^^^HOSP^MR~999^^^SSA^SS||DOE^JANE^Q\\S\\X||19700101|F',
  'PV1|1|I|4W^401^A',
].join('\r');

describe('readDelimiters', () => {
  it.each([
    ['standard', 'MSH|^~\\&|', { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' }],
    [
      'with truncation (2.7+)',
      'MSH|^~\\&#|',
      { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '#' },
    ],
    ['custom', 'MSH!$r?@!LIP', { field: '!', component: '$', repetition: 'r', escape: '?', subcomponent: '@' }],
    [
      'MSH-only line without trailing separator',
      'MSH|^~\\&',
      { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' },
    ],
  ])('%s', (_name, header, expected) => {
    expect(readDelimiters(header)).toEqual(expected);
  });

  it.each([
    ['three encoding characters', 'MSH|^~&|A', '102'],
    ['six encoding characters', 'MSH|^~\\&#$|A', '102'],
    ['duplicate encoding characters', 'MSH|^&&^|A', '102'],
    ['field separator is a space', 'MSH ^~\\& A', '101'],
    ['no field separator at all', 'MSH', '101'],
    ['control character among encoding characters', 'MSH|^~\x01&|A', '102'],
  ])('refuses %s with HL7 error %s', (_name, header, code) => {
    expect(() => readDelimiters(header)).toThrow(expect.objectContaining({ code }));
  });
});

describe('escapes', () => {
  const d = readDelimiters('MSH|^~\\&|');
  it.each([
    ['field', 'a\\F\\b', 'a|b'],
    ['component', 'a\\S\\b', 'a^b'],
    ['subcomponent', 'a\\T\\b', 'a&b'],
    ['repetition', 'a\\R\\b', 'a~b'],
    ['escape', 'C:\\E\\dir', 'C:\\dir'],
    ['line break', 'line1\\.br\\line2', 'line1\nline2'],
    ['highlighting dropped', '\\H\\bold\\N\\', 'bold'],
    ['hex UTF-8 bytes', '\\XC3A9\\', 'é'],
    ['hex CR LF', 'a\\X0D0A\\b', 'a\r\nb'],
    ['hex Latin-1 byte', '\\XE9\\', 'é'],
    ['unknown sequence kept', 'a\\Zfoo\\b', 'a\\Zfoo\\b'],
    ['lone escape character kept', 'C:\\temp', 'C:\\temp'],
    ['no escapes', 'plain', 'plain'],
  ])('%s', (_name, raw, decoded) => {
    expect(unescapeValue(raw, d)).toBe(decoded);
  });

  it('escapeValue is undone by unescapeValue', () => {
    const value = 'a|b^c&d~e\\f\ng';
    expect(escapeValue(value, d)).toBe('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\.br\\g');
    expect(unescapeValue(escapeValue(value, d), d)).toBe(value);
  });
});

describe('parseMessage', () => {
  it.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('splits segments on %s', (_name, separator) => {
    const message = parseMessage(ADT.split('\r').join(separator) + separator);
    expect(message.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
  });

  it('ignores a UTF-8 byte-order mark and blank lines', () => {
    expect(parseMessage(`\ufeff${ADT}\r\r\n`).segments).toHaveLength(4);
  });

  it.each([
    ['MSH-1', '|'],
    ['MSH-2', '^~\\&'],
    ['MSH-4', 'HOSP^1.2.3^ISO'],
    ['MSH-4.2', '1.2.3'],
    ['MSH-9.2', 'A01'],
    ['MSH-10', 'CTRL-1'],
    ['PID-3', '123^^^HOSP^PI'],
    ['PID-3[2].1', '0012345'],
    ['PID-3[3].4', 'SSA'],
    ['PID-3[4].1', ''],
    ['PID-5.3', 'Q^X'],
    ['PV1-3.2', '401'],
    ['PID-99', ''],
    ['ZZZ-1', ''],
  ])('get(%s) = %j', (path, value) => {
    expect(parseMessage(ADT).get(path)).toBe(value);
  });

  it('reads the header', () => {
    expect(readHeader(parseMessage(ADT))).toEqual({
      sendingApplication: 'EPIC',
      sendingFacility: 'HOSP^1.2.3^ISO',
      receivingApplication: 'LAB',
      receivingFacility: 'LABFAC',
      timestamp: '20240102030405',
      messageType: 'ADT',
      triggerEvent: 'A01',
      structure: 'ADT_A01',
      controlId: 'CTRL-1',
      rawControlId: 'CTRL-1',
      processingId: 'P',
      version: '2.5.1',
      acceptAckType: 'AL',
      applicationAckType: 'NE',
      charset: 'UNICODE UTF-8',
    });
  });

  it.each([
    ['not starting with MSH', 'PID|1||123', '100'],
    ['empty', '', '100'],
    ['segment without a valid id', `${ADT}\rpv2|x`, '100'],
    ['segment id glued to data', `${ADT}\rPV1X|x`, '100'],
  ])('refuses a message %s with HL7 error %s', (_name, text, code) => {
    expect(() => parseMessage(text)).toThrow(Hl7ParseError);
    expect(() => parseMessage(text)).toThrow(expect.objectContaining({ code }));
  });

  it('parsePath rejects what is not a path', () => {
    expect(() => parsePath('PID.3')).toThrow('not an HL7 field path');
    expect(parsePath('PID[2]-3[4].5.6')).toEqual({ segment: 'PID', occurrence: 2, field: 3, repetition: 4, component: 5, subcomponent: 6 });
  });
});

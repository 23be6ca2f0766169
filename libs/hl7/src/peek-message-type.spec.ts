import { describe, expect, it } from '@jest/globals';
import { peekMessageType } from './index.js';

const bytes = (text: string) => (text.startsWith('\ufeff') ? Buffer.from(text, 'utf8') : Buffer.from(text, 'latin1'));

describe('peekMessageType', () => {
  it.each([
    [
      'ADT^A01 with more fields',
      'MSH|^~\\&|EHR|H|LAB|H|20260101||ADT^A01^ADT_A01|1|P|2.5\rPID|||1',
      { messageType: 'ADT', triggerEvent: 'A01' },
    ],
    ['MSH-9 the last field of the segment', 'MSH|^~\\&|EHR|H|LAB|H|20260101||ORU^R01\rOBR|1', { messageType: 'ORU', triggerEvent: 'R01' }],
    ['MSH-9 last in a one-segment frame', 'MSH|^~\\&|A|B|C|D|1||ACK', { messageType: 'ACK', triggerEvent: '' }],
    ['other separators', 'MSH#$~\\&#EHR#H#LAB#H#20260101##SIU$S12#7#P#2.4', { messageType: 'SIU', triggerEvent: 'S12' }],
    ['leading CR LF', '\r\nMSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.3', { messageType: 'ADT', triggerEvent: 'A08' }],
    ['UTF-8 byte order mark', '\ufeffMSH|^~\\&|A|B|C|D|1||VXU^V04|1|P|2.8', { messageType: 'VXU', triggerEvent: 'V04' }],
    ['LF segment ends', 'MSH|^~\\&|A|B|C|D|1||ADT^A03\nPID|1', { messageType: 'ADT', triggerEvent: 'A03' }],
    ['padded components', 'MSH|^~\\&|A|B|C|D|1|| ADT ^ A04 |1', { messageType: 'ADT', triggerEvent: 'A04' }],
    ['MSH-9 empty', 'MSH|^~\\&|A|B|C|D|1|||1|P|2.5', undefined],
    ['MSH-9 beyond the first segment', 'MSH|^~\\&|A|B|C\rD|1||ADT^A01', undefined],
    ['a batch', 'BHS|^~\\&|A\rMSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\rBTS|1', undefined],
    ['not HL7', 'hello world', undefined],
    ['too short', 'MSH|', undefined],
    ['empty', '', undefined],
  ])('%s', (_name, text, expected) => {
    expect(peekMessageType(bytes(text))).toEqual(expected);
  });

  it('reads only the first segment of a large frame', () => {
    const big = bytes(`MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5\r${'OBX|1|TX|||'.padEnd(1024, 'x')}\r`.repeat(1) + 'Z'.repeat(4 * 1024 * 1024));
    expect(peekMessageType(big)).toEqual({ messageType: 'ADT', triggerEvent: 'A01' });
  });
});

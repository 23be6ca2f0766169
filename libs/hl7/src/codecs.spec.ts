import { describe, expect, it } from '@jest/globals';
import { ackCode, ackRequested, buildAck, buildBatchAck, hl7Timestamp } from './ack.js';
import { splitFrame } from './batch.js';
import { decodeMessageBytes, declaredCharset, resolveCharset } from './charset.js';
import { readHeader } from './header.js';
import { Hl7ErrorCode, issue } from './hl7-error.js';
import { parseMessage } from './message.js';
import { extractPatientId } from './patient-id.js';
import { validateHeader } from './validate.js';

const msh = (msh18 = '') => `MSH|^~\\&|A|B|C|D|20240101||ADT^A01|X1|P|2.5||||||${msh18}\rPID|||1^^^H^MR||`;

describe('charset', () => {
  it.each([
    ['UNICODE UTF-8', 'utf8'],
    ['8859/1', 'latin1'],
    ['ISO IR100', 'latin1'],
    ['8859/15', 'iso-8859-15'],
    ['ASCII', 'ascii'],
    ['unicode_utf-8', 'utf8'],
    ['windows-1252', 'windows-1252'],
    ['KLINGON', undefined],
    ['UTF-7', undefined],
    ['utf7', undefined],
    ['cp037', undefined],
  ])('resolveCharset(%j) = %j', (name, encoding) => {
    expect(resolveCharset(name)).toBe(encoding);
  });

  it('reads MSH-18 from the bytes, first repetition only', () => {
    expect(declaredCharset(Buffer.from(msh('8859/1~UNICODE UTF-8')))).toBe('8859/1');
    expect(declaredCharset(Buffer.from(msh()))).toBe('');
  });

  it.each([
    ['Latin-1 per MSH-18', msh('8859/1') + 'M\xfcller', 'latin1', 'latin1', 'Müller', false],
    ['UTF-8 per MSH-18', msh('UNICODE UTF-8') + 'Müller', 'utf8', 'utf8', 'Müller', false],
    ['listener default when MSH-18 is empty', msh() + 'Müller', 'utf8', 'utf8', 'Müller', false],
    ['fallback when the bytes are not UTF-8', msh() + 'M\xfcller', 'latin1', 'windows-1252', 'Müller', true],
    ['fallback when ASCII is declared but high bytes arrive', msh('ASCII') + 'M\xfcller', 'latin1', 'windows-1252', 'Müller', true],
  ])('%s', (_name, text, byteEncoding, charset, name, fallbackUsed) => {
    const decoded = decodeMessageBytes(Buffer.from(text, byteEncoding as BufferEncoding), {
      defaultCharset: 'UNICODE UTF-8',
      fallbackCharset: 'windows-1252',
    });
    expect(decoded.charset).toBe(charset);
    expect(decoded.fallbackUsed).toBe(fallbackUsed);
    expect(decoded.text.endsWith(name)).toBe(true);
  });

  it('without a fallback, invalid bytes decode with replacement characters (raw bytes are kept elsewhere)', () => {
    const decoded = decodeMessageBytes(Buffer.from(msh() + 'M\xfcller', 'latin1'), { defaultCharset: 'UTF-8' });
    expect(decoded.fallbackUsed).toBe(false);
    expect(decoded.text).toContain('\ufffd');
  });

  it('refuses an unknown MSH-18 with error 103 at MSH-18', () => {
    expect(() => decodeMessageBytes(Buffer.from(msh('KLINGON')), { defaultCharset: 'UTF-8' })).toThrow(
      expect.objectContaining({ code: '103', issue: expect.objectContaining({ location: { segment: 'MSH', sequence: 1, field: 18 } }) }),
    );
  });
});

describe('splitFrame', () => {
  const m = (id: string) => `MSH|^~\\&|A|B|C|D|1||ADT^A01|${id}|P|2.5\rPID|||${id}^^^H^MR\r`;
  it.each([
    ['one message', m('1'), ['1'], false],
    ['two concatenated', m('1') + m('2'), ['1', '2'], false],
    ['batch with trailers', `FHS|^~\\&\rBHS|^~\\&\r${m('1')}${m('2')}BTS|2\rFTS|1\r`, ['1', '2'], true],
    ['batch without trailers', `BHS|^~\\&\r${m('1')}`, ['1'], true],
    ['LF separators', (m('1') + m('2')).replace(/\r/g, '\n'), ['1', '2'], false],
  ])('%s', (_name, text, ids, batch) => {
    const split = splitFrame(Buffer.from(text, 'latin1'));
    expect(split.batch).toBe(batch);
    expect(split.messages.map((b) => parseMessage(b.toString('latin1')).get('MSH-10'))).toEqual(ids);
  });

  it('keeps each message byte-exact', () => {
    const first = Buffer.from(m('1'), 'latin1');
    const split = splitFrame(Buffer.concat([first, Buffer.from(m('2'), 'latin1')]));
    expect(split.messages[0]!.equals(first)).toBe(true);
  });

  it.each([
    ['segments before MSH', 'PID|||1\r' + m('1')],
    ['only a batch header', 'BHS|^~\\&\rBTS|0\r'],
    ['nothing', ''],
  ])('refuses %s with error 100', (_name, text) => {
    expect(() => splitFrame(Buffer.from(text))).toThrow(expect.objectContaining({ code: '100' }));
  });
});

describe('validateHeader', () => {
  const header = (overrides: string) => readHeader(parseMessage(`MSH|^~\\&|A|B|C|D|20240101||${overrides}`));
  const policy = { messageTypes: ['ADT'], triggerEvents: { ADT: ['A01', 'A03'] } };
  it.each([
    ['acceptable', 'ADT^A01|X|P|2.5', []],
    ['missing control id', 'ADT^A01||P|2.5', ['101@10']],
    ['missing trigger', 'ADT|X|P|2.5', ['101@9']],
    ['missing processing id and version', 'ADT^A01|X||', ['101@11', '101@12']],
    ['unsupported version', 'ADT^A01|X|P|2.999', ['203@12']],
    ['unsupported type', 'ORU^R01|X|P|2.5', ['200@9']],
    ['unsupported event', 'ADT^A08|X|P|2.5', ['201@9']],
  ])('%s', (_name, fields, expected) => {
    expect(validateHeader(header(fields), policy).map((i) => `${i.code}@${i.location?.field}`)).toEqual(expected);
  });
});

describe('extractPatientId', () => {
  const withPid3 = (pid3: string) => parseMessage(`MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rEVN|A01\rPID|1||${pid3}`);
  it.each([
    ['the MR repetition', '123^^^H^PI~0012345^^^HOSP^MR', {}, { id: '0012345', assigningAuthority: 'HOSP', repetition: 2 }],
    ['the MR of a given authority', '1^^^A^MR~2^^^B^MR', { assigningAuthority: 'B' }, { id: '2', assigningAuthority: 'B', repetition: 2 }],
    ['another type code', '1^^^A^MR~77^^^A^PI', { identifierTypeCode: 'PI' }, { id: '77', assigningAuthority: 'A', repetition: 2 }],
    ['an escaped id, decoded', 'A\\T\\B^^^H^MR', {}, { id: 'A&B', assigningAuthority: 'H', repetition: 1 }],
    [
      'the MR one even when asked to fall back',
      '1^^^A^PI~2^^^A^MR',
      { otherwise: 'first' as const },
      { id: '2', assigningAuthority: 'A', repetition: 2 },
    ],
    [
      'the first with an ID when no MR and asked to fall back',
      '^^^A^PI~0216128^^^51276',
      { otherwise: 'first' as const },
      { id: '0216128', assigningAuthority: '51276', repetition: 2 },
    ],
  ])('finds %s', (_name, pid3, rule, expected) => {
    expect(extractPatientId(withPid3(pid3), rule)).toEqual(expected);
  });

  it.each([
    ['no MR repetition', '123^^^H^PI', {}],
    ['an empty MR id', '^^^H^MR', {}],
    ['MR from another authority', '1^^^A^MR', { assigningAuthority: 'B' }],
    ['no ID at all, even when asked to fall back', '^^^A^PI~^^^B^MR', { otherwise: 'first' as const }],
  ])('reports %s as error 101 at PID-3', (_name, pid3, rule) => {
    expect(extractPatientId(withPid3(pid3), rule)).toMatchObject({ code: '101', location: { segment: 'PID', sequence: 3, field: 3 } });
  });

  it('reports a missing PID segment', () => {
    expect(extractPatientId(parseMessage('MSH|^~\\&|A|B|C|D|1||ADT^A20|X|P|2.5'))).toMatchObject({
      code: '101',
      location: { segment: 'PID' },
    });
  });
});

describe('ACK', () => {
  const received = readHeader(parseMessage('MSH|^~\\&|EHR|HOSP|GW|HUB|20240101||ADT^A01^ADT_A01|MSG-7|P|2.5.1'));
  const now = new Date('2024-05-06T07:08:09Z');

  it('original mode AA swaps sender and receiver and echoes MSH-10 in MSA-2', () => {
    const ack = buildAck({ header: received, outcome: 'accept', controlId: 'ACK-1', now });
    expect(ack).toBe('MSH|^~\\&|GW|HUB|EHR|HOSP|20240506070809+0000||ACK^A01^ACK|ACK-1|P|2.5.1\rMSA|AA|MSG-7\r');
  });

  it('AR with an ERR segment (v2.5+: ERR-2 location, ERR-3 code from table 0357, ERR-4 severity)', () => {
    const problem = issue(Hl7ErrorCode.RequiredFieldMissing, 'PID-3 has no identifier of type MR', {
      segment: 'PID',
      sequence: 3,
      field: 3,
    });
    const segments = buildAck({ header: received, outcome: 'reject', issues: [problem], controlId: 'A2', now }).split('\r');
    expect(segments[1]).toBe('MSA|AR|MSG-7|PID-3 has no identifier of type MR');
    expect(segments[2]).toBe('ERR||PID^3^3^1|101^Required field missing^HL70357|E||||PID-3 has no identifier of type MR');
  });

  it('uses ERR-1 before v2.5', () => {
    const old = readHeader(parseMessage('MSH|^~\\&|EHR|HOSP|GW|HUB|20240101||ADT^A01|MSG-8|P|2.3'));
    const segments = buildAck({
      header: old,
      outcome: 'error',
      issues: [issue(Hl7ErrorCode.ApplicationInternalError, 'storage unavailable')],
      controlId: 'A3',
      now,
    }).split('\r');
    expect(segments[0]).toContain('|ACK^A01|A3|P|2.3');
    expect(segments[1]).toBe('MSA|AE|MSG-8|storage unavailable');
    expect(segments[2]).toBe('ERR|^^^207&Application internal error&HL70357');
  });

  it('answers with a default header when the message could not be parsed', () => {
    const ack = buildAck({
      outcome: 'reject',
      issues: [issue(Hl7ErrorCode.SegmentSequenceError, 'no MSH segment found')],
      controlId: 'A4',
      now,
      application: 'HL7ROUTER',
    });
    expect(ack.split('\r')[0]).toBe('MSH|^~\\&|HL7ROUTER||||20240506070809+0000||ACK|A4|P|2.5.1');
    expect(ack.split('\r')[1]).toBe('MSA|AR||no MSH segment found');
  });

  it('escapes delimiters in texts and echoes the sender charset and delimiters', () => {
    const custom = parseMessage('MSH!$r?@!EHR!HOSP!GW!HUB!1!!ADT$A01!M1!P!2.5!!!!!!UNICODE UTF-8');
    const ack = buildAck({
      header: readHeader(custom),
      delimiters: custom.delimiters,
      outcome: 'reject',
      issues: [issue(Hl7ErrorCode.DataTypeError, 'bad!value$here')],
      controlId: 'A5',
      now,
    });
    expect(ack.split('\r')[0]).toBe('MSH!$r?@!GW!HUB!EHR!HOSP!20240506070809+0000!!ACK$A01$ACK!A5!P!2.5!!!!!!UNICODE UTF-8');
    // 'r' is this sender's repetition character, so the r in "here" is escaped too.
    expect(ack.split('\r')[1]).toBe('MSA!AR!M1!bad?F?value?S?he?R?e');
  });

  it.each([
    ['', 'accept', 'AA', true],
    ['', 'reject', 'AR', true],
    ['AL', 'accept', 'CA', true],
    ['AL', 'error', 'CE', true],
    ['NE', 'accept', 'CA', false],
    ['ER', 'accept', 'CA', false],
    ['ER', 'reject', 'CR', true],
    ['SU', 'accept', 'CA', true],
    ['SU', 'error', 'CE', false],
  ] as const)('MSH-15=%j, %s → %s, sent: %s', (msh15, outcome, code, sent) => {
    expect(ackCode({ acceptAckType: msh15 }, outcome)).toBe(code);
    expect(ackRequested({ acceptAckType: msh15 }, outcome)).toBe(sent);
  });

  it.each([
    ['trailing spaces', 'ABC123  ', 'ABC123  '],
    ['an escape sequence', 'A\\X41\\1', 'A\\X41\\1'],
    ['plain', 'MSG-9', 'MSG-9'],
  ])('MSA-2 echoes MSH-10 exactly as sent: %s', (_name, sent, echoed) => {
    const message = parseMessage(`MSH|^~\\&|EHR|HOSP|GW|HUB|1||ADT^A01^ADT_A01|${sent}|P|2.5.1`);
    const ack = buildAck({ header: readHeader(message), delimiters: message.delimiters, outcome: 'accept', controlId: 'A6', now });
    expect(ack.split('\r')[1]).toBe(`MSA|AA|${echoed}`);
  });

  it('escapes header values it echoes: a trigger, processing id or version cannot break the ACK into more segments', () => {
    const message = parseMessage('MSH|^~\\&|EHR|HOSP|GW|HUB|1||ADT^A01\\X0D\\MSA\\F\\AA\\F\\FORGED^ADT_A01|M7|P\\X0D\\|2.5\\X0D\\');
    const ack = buildAck({ header: readHeader(message), delimiters: message.delimiters, outcome: 'accept', controlId: 'A7', now });
    const segments = ack.split('\r').filter(Boolean);
    expect(segments.map((s) => s.slice(0, 3))).toEqual(['MSH', 'MSA']);
    expect(segments[1]).toBe('MSA|AA|M7');
  });

  it.each([
    ['', 'AL', 'accept', 'CA'],
    ['', 'NE', 'reject', 'CR'],
    ['', '', 'accept', 'AA'],
  ] as const)('enhanced mode when MSH-15=%j or MSH-16=%j is valued: %s → %s', (msh15, msh16, outcome, code) => {
    expect(ackCode({ acceptAckType: msh15, applicationAckType: msh16 }, outcome)).toBe(code);
  });

  it('formats timestamps in UTC', () => {
    expect(hl7Timestamp(new Date('2024-12-31T23:59:58.999Z'))).toBe('20241231235958+0000');
  });
});

describe('buildBatchAck', () => {
  const now = new Date(Date.UTC(2026, 10, 30, 12, 0, 0));
  it.each([
    [
      'two ACKs',
      ['MSH|A\rMSA|AA|1\r', 'MSH|B\rMSA|AR|2\r'],
      'BHS|^~\\&|GW||||20261130120000+0000\rMSH|A\rMSA|AA|1\rMSH|B\rMSA|AR|2\rBTS|2\r',
    ],
    ['none asked for', [], 'BHS|^~\\&|GW||||20261130120000+0000\rBTS|0\r'],
  ])('wraps %s between BHS and a counting BTS', (_name, acks, expected) => {
    expect(
      buildBatchAck(
        acks.map((a) => Buffer.from(a)),
        { application: 'GW', now },
      ).toString(),
    ).toBe(expected);
  });

  it('splits back into the same ACKs', () => {
    const acks = ['MSH|^~\\&|A|B|C|D|1||ACK|X1|P|2.5\rMSA|AA|1\r', 'MSH|^~\\&|A|B|C|D|1||ACK|X2|P|2.5\rMSA|AE|2\r'];
    const batch = buildBatchAck(
      acks.map((a) => Buffer.from(a)),
      { application: 'GW', now },
    );
    expect(splitFrame(batch).messages.map((m) => m.toString())).toEqual(acks);
  });
});

import { describe, expect, it } from '@jest/globals';
import { readSentContentHeaders, SENT_HEADERS, sentContentHeaders } from './sent-content.js';

const source = { topic: 'hl7.route.lab.v1', partition: 4, offset: '9007199254740993' };
const asRecordHeaders = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));

describe('sent content headers', () => {
  it.each([
    { part: 'message' as const, controlId: 'LAB-1', attempt: 0 },
    { part: 'ack' as const, controlId: 'LAB-1', attempt: 3 },
    { part: 'ack' as const, controlId: '', attempt: 1 },
  ])('round-trip a $part of attempt $attempt (offsets beyond 2^53 kept exactly)', (content) => {
    const headers = sentContentHeaders('lab', content, source);
    expect(readSentContentHeaders(asRecordHeaders(headers))).toEqual({ target: 'lab', ...content, source });
  });

  it('name the target and MSH-10 as the route topics do', () => {
    const headers = sentContentHeaders('lab', { part: 'ack', controlId: 'C1', attempt: 1 }, source);
    expect(headers['hl7router.target']).toBe('lab');
    expect(headers['hl7.control-id']).toBe('C1');
  });

  const good = asRecordHeaders(sentContentHeaders('lab', { part: 'ack', controlId: 'C1', attempt: 2 }, source));
  it.each([
    ['no headers at all (another producer)', {}],
    ['an unknown part', { ...good, [SENT_HEADERS.part]: Buffer.from('reply') }],
    ['no target', { ...good, [SENT_HEADERS.target]: undefined }],
    ['a non-numeric attempt', { ...good, [SENT_HEADERS.attempt]: Buffer.from('two') }],
    ['a negative partition', { ...good, [SENT_HEADERS.sourcePartition]: Buffer.from('-1') }],
    ['an offset with text', { ...good, [SENT_HEADERS.sourceOffset]: Buffer.from('12abc') }],
    ['no source topic', { ...good, [SENT_HEADERS.sourceTopic]: Buffer.from('') }],
  ])('are not read from %s', (_name, headers) => {
    expect(readSentContentHeaders(headers)).toBeUndefined();
  });
});

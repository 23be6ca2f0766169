import { describe, expect, it } from '@jest/globals';
import { type ReceivedSpan, OtlpJsonError, renderTrace, spansFromOtlpJson } from './otlp-json.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const request = (span: Record<string, unknown>, service = 'router') => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'hl7-router.streams' }, spans: [span] }],
    },
  ],
});
const base = {
  traceId: TRACE,
  spanId: '00f067aa0ba902b7',
  name: 'process hl7.adt.v1',
  kind: 5,
  startTimeUnixNano: '1764547200000000000',
  endTimeUnixNano: '1764547200012500000',
};

describe('spansFromOtlpJson', () => {
  it.each<[string, Record<string, unknown>, Partial<ReceivedSpan>]>([
    [
      'hex ids and decimal-string times',
      base,
      { traceId: TRACE, spanId: '00f067aa0ba902b7', startMs: 1764547200000, endMs: 1764547200012.5 },
    ],
    [
      'base64 ids (a protobuf-JSON encoder)',
      { ...base, traceId: Buffer.from(TRACE, 'hex').toString('base64'), spanId: Buffer.from('00f067aa0ba902b7', 'hex').toString('base64') },
      { traceId: TRACE, spanId: '00f067aa0ba902b7' },
    ],
    ['times as numbers', { ...base, startTimeUnixNano: 1e15, endTimeUnixNano: 2e15 }, { startMs: 1e9, endMs: 2e9 }],
    [
      'times as {low, high}',
      { ...base, startTimeUnixNano: { low: 5_000_000, high: 0 }, endTimeUnixNano: { low: 0, high: 1 } },
      { startMs: 5, endMs: 4294.967296 },
    ],
    ['a parent', { ...base, parentSpanId: 'b7ad6b7169203331' }, { parentSpanId: 'b7ad6b7169203331' }],
    ['an empty parent (a root span)', { ...base, parentSpanId: '' }, { name: 'process hl7.adt.v1' }],
    [
      'attributes of every type',
      {
        ...base,
        attributes: [
          { key: 's', value: { stringValue: 'C1' } },
          { key: 'i', value: { intValue: '42' } },
          { key: 'd', value: { doubleValue: 1.5 } },
          { key: 'b', value: { boolValue: true } },
          { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 2 }] } } },
        ],
      },
      { attributes: { s: 'C1', i: 42, d: 1.5, b: true, a: ['x', 2] } },
    ],
    [
      'an error status',
      { ...base, status: { code: 2, message: 'Error MAP_FAILED' } },
      { status: { code: 2, message: 'Error MAP_FAILED' } },
    ],
  ])('reads %s', (_name, span, expected) => {
    const [read] = spansFromOtlpJson(request(span));
    expect(read).toMatchObject({ service: 'router', kind: 5, ...expected });
    if (!('parentSpanId' in expected)) expect(read!.parentSpanId).toBeUndefined();
  });

  it('reads every span of every resource and scope', () => {
    const body = {
      resourceSpans: [
        request(base, 'mllp-gateway').resourceSpans[0],
        request({ ...base, spanId: '1111111111111111' }, 'router').resourceSpans[0],
      ],
    };
    expect(spansFromOtlpJson(body).map((s) => `${s.service}/${s.spanId}`)).toEqual([
      'mllp-gateway/00f067aa0ba902b7',
      'router/1111111111111111',
    ]);
    expect(spansFromOtlpJson({})).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'hello', /the body is not an object/],
    ['resourceSpans not a list', { resourceSpans: {} }, /resourceSpans is not a list/],
    ['no trace id', request({ ...base, traceId: undefined }), /spans\[0\] has no traceId/],
    ['a span id of the wrong length', request({ ...base, spanId: 'abc' }), /spans\[0\]\.spanId is neither 16 hex digits/],
    ['a time that is not a number', request({ ...base, startTimeUnixNano: 'soon' }), /startTimeUnixNano is not a time/],
    ['an attribute without a key', request({ ...base, attributes: [{ value: { stringValue: 'x' } }] }), /attributes\[0\]\.key/],
  ])('refuses %s, naming where', (_name, body, message) => {
    expect(() => spansFromOtlpJson(body)).toThrow(OtlpJsonError);
    expect(() => spansFromOtlpJson(body)).toThrow(message);
  });
});

describe('renderTrace', () => {
  const span = (
    spanId: string,
    parentSpanId: string | undefined,
    name: string,
    startMs: number,
    endMs: number,
    extra: Partial<ReceivedSpan> = {},
  ): ReceivedSpan => ({
    service: 'svc',
    traceId: TRACE,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name,
    kind: 1,
    startMs,
    endMs,
    attributes: {},
    status: { code: 0 },
    ...extra,
  });

  it('draws children under their parents in start order, with offsets, durations, HL7 attributes and errors', () => {
    const text = renderTrace([
      span('c', 'a', 'deliver radiology', 12, 20),
      span('a', undefined, 'mllp receive', 100, 103, { attributes: { 'hl7.control_id': 'C1', 'hl7.ack_code': 'AA' } }),
      span('b', 'a', 'deliver lab', 10, 30, { status: { code: 2, message: 'dead-lettered' } }),
    ]);
    expect(text.split('\n')).toEqual([
      `trace ${TRACE}  3 spans  93.0 ms`,
      '  svc: mllp receive  @90.0 ms  3.0 ms  control_id=C1 ack_code=AA',
      '    svc: deliver lab  @0.0 ms  20.0 ms  ERROR dead-lettered',
      '    svc: deliver radiology  @2.0 ms  8.0 ms',
    ]);
  });

  it('shows a span whose parent has not arrived at the top level', () => {
    expect(renderTrace([span('b', 'missing', 'deliver lab', 0, 1)]).split('\n')[1]).toBe('  svc: deliver lab  @0.0 ms  1.0 ms');
    expect(renderTrace([])).toBe('');
  });
});

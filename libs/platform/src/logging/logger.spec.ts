import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger, redactPhi } from './logger.js';
import { hashMrn } from './mrn-hash.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes structured JSON with the app name and level label', () => {
    const { lines, destination } = capture();
    createLogger({ app: 'mllp-gateway', destination }).info({ controlId: 'MSG0001', messageType: 'ADT^A01' }, 'accepted');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ app: 'mllp-gateway', level: 'info', msg: 'accepted', controlId: 'MSG0001', messageType: 'ADT^A01' });
  });

  it.each([
    ['top-level mrn', { mrn: '0012345' }],
    ['nested patient name', { patient: { name: 'DOE^JANE' } }],
    ['raw message body', { raw: 'MSH|^~\\&|...PID|||0012345^^^H^MR||DOE^JANE' }],
    ['doubly nested dob', { message: { pid: { dob: '19700101' } } }],
  ])('redacts %s', (_name, fields) => {
    const { lines, destination } = capture();
    createLogger({ app: 't', destination }).warn(fields, 'rejected');
    const text = JSON.stringify(lines[0]);
    expect(text).toContain('[redacted]');
    expect(text).not.toMatch(/0012345|DOE\^JANE|19700101/);
  });

  it("redacts PHI keys in a child logger's bindings", () => {
    const { lines, destination } = capture();
    createLogger({ app: 't', destination }).child({ mrn: '0012345', target: 'lab' }).info('bound');
    expect(lines[0]).toMatchObject({ mrn: '[redacted]', target: 'lab' });
    createLogger({ app: 't', destination })
      .child({ target: 'lab' })
      .child({ patient: { name: 'DOE^JANE' } })
      .info('grandchild');
    expect(lines[1]).toMatchObject({ target: 'lab', patient: { name: '[redacted]' } });
  });

  it("keeps an error's message and stack when it redacts a key of the error", () => {
    const { lines, destination } = capture();
    const err = Object.assign(new Error('broker said no'), { value: 'PID|||0012345' });
    createLogger({ app: 't', destination }).error({ err }, 'failed');
    expect(lines[0]).toMatchObject({ err: { message: 'broker said no', value: '[redacted]' } });
    expect(JSON.stringify(lines[0])).not.toContain('0012345');
  });

  it('adds trace_id and span_id of the active span, so a line joins its trace; none outside a span', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const { lines, destination } = capture();
      const log = createLogger({ app: 't', destination });
      const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
      await context.with(trace.setSpan(context.active(), span), async () => {
        await Promise.resolve();
        log.info('inside');
      });
      log.info('outside');
      expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
      expect(lines[1]).not.toHaveProperty('trace_id');
    } finally {
      context.disable();
    }
  });

  it('drops lines below the configured level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ app: 't', level: 'warn', destination });
    log.info('hidden');
    log.warn('shown');
    expect(lines.map((l) => l['msg'])).toEqual(['shown']);
  });
});

describe('redactPhi', () => {
  it.each([
    ['top level', { mrn: 'M1', controlId: 'C1' }, { mrn: '[redacted]', controlId: 'C1' }],
    ['one level down', { patient: { name: 'DOE', id: 7 } }, { patient: { name: '[redacted]', id: 7 } }],
    ['two levels down', { a: { b: { dob: '1970' } } }, { a: { b: { dob: '[redacted]' } } }],
    ['in an array', { list: [{ phone: '555' }, { ok: 1 }] }, { list: [{ phone: '[redacted]' }, { ok: 1 }] }],
    ['a whole nested object under a PHI key', { payload: { x: 1 } }, { payload: '[redacted]' }],
    ['nothing to redact', { controlId: 'C1', n: 3 }, { controlId: 'C1', n: 3 }],
    ['three levels down is beyond its reach', { a: { b: { c: { mrn: 'M1' } } } }, { a: { b: { c: { mrn: 'M1' } } } }],
  ])('%s', (_name, input, expected) => {
    const before = JSON.stringify(input);
    expect(redactPhi(input)).toEqual(expected);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('returns the same object when there is nothing to redact (no copy on the common path)', () => {
    const input = { controlId: 'C1', nested: { topic: 't' } };
    expect(redactPhi(input)).toBe(input);
  });
});

describe('hashMrn', () => {
  it('is stable for one key, differs across keys, and does not contain the MRN', () => {
    const a = hashMrn('0012345', 'site-key-1');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(hashMrn('0012345', 'site-key-1')).toBe(a);
    expect(hashMrn('0012345', 'site-key-2')).not.toBe(a);
    expect(hashMrn('0012346', 'site-key-1')).not.toBe(a);
    expect(a).not.toContain('0012345');
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from './logger.js';
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

  it('drops lines below the configured level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ app: 't', level: 'warn', destination });
    log.info('hidden');
    log.warn('shown');
    expect(lines.map((l) => l['msg'])).toEqual(['shown']);
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

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CodeSet, CodeSetFileError, UnmappedCodeError } from './code-set.js';

const dir = mkdtempSync(join(tmpdir(), 'code-sets-'));
const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), name);

describe('CodeSet', () => {
  const csv = file('sex.csv', '# a comment\nfrom,to,note\nF,F,female\nM,M,\n"O",U,other\n\n');

  it.each([
    { policy: 'error', value: 'F', result: 'F' },
    { policy: 'error', value: 'O', result: 'U' },
    { policy: 'error', value: '', result: '' },
    { policy: 'default', value: 'Q', result: 'U' },
    { policy: 'pass-through', value: 'Q', result: 'Q' },
  ] as const)('$policy: $value -> $result', ({ policy, value, result }) => {
    const set = CodeSet.load('sex', { file: csv, unmapped: policy, defaultCode: 'U' }, dir);
    expect(set.translate(value)).toBe(result);
  });

  it('an unmapped code under the error policy names the table, the code and the field', () => {
    const set = CodeSet.load('sex', { file: csv, unmapped: 'error' }, dir);
    expect(() => set.translate('Q', 'PID-8')).toThrow(UnmappedCodeError);
    expect(() => set.translate('Q', 'PID-8')).toThrow('the code in PID-8 has no row in code set sex');
  });

  it('compares case-sensitively unless told otherwise', () => {
    expect(CodeSet.load('sex', { file: csv, unmapped: 'pass-through' }, dir).translate('f')).toBe('f');
    expect(CodeSet.load('sex', { file: csv, unmapped: 'error', ignoreCase: true }, dir).translate('f')).toBe('F');
  });

  it('reads JSON tables', () => {
    const json = file('class.json', JSON.stringify({ I: 'IP', O: 'OP' }));
    expect(CodeSet.load('class', { file: json, unmapped: 'error' }, dir).translate('O')).toBe('OP');
  });

  it.each([
    { name: 'a missing file', file: 'nope.csv', error: 'ENOENT' },
    { name: 'a CSV without from,to', file: file('bad-header.csv', 'code,value\nF,F\n'), error: 'header from,to' },
    { name: 'a code twice', file: file('twice.csv', 'from,to\nF,F\nF,X\n'), error: 'code F appears twice' },
    { name: 'a JSON value that is no string', file: file('bad.json', '{"F": 1}'), error: 'not a string' },
  ])('refuses $name at load time', ({ file: name, error }) => {
    expect(() => CodeSet.load('t', { file: name, unmapped: 'error' }, dir)).toThrow(CodeSetFileError);
    expect(() => CodeSet.load('t', { file: name, unmapped: 'error' }, dir)).toThrow(error);
  });

  it('needs a default code for the default policy', () => {
    expect(() => CodeSet.fromRows('t', {}, { unmapped: 'default' })).toThrow('needs defaultCode');
  });
});

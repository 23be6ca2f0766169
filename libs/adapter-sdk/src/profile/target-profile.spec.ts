import { describe, expect, it } from '@jest/globals';
import { parseMessage } from '@lib/hl7';
import { type TargetProfile, checkProfile } from './target-profile.js';

const message = (pid: string, extra = '') =>
  parseMessage(`MSH|^~\\&|A|B|C|D|20261126||ADT^A01^ADT_A01|C1|P|2.5.1\r${pid}\rPV1|1|I\r${extra}`);
const profile: TargetProfile = {
  version: '2.5.1',
  required: ['PID-3.1', 'PID-5.1'],
  maxLengths: { 'PID-5.1': 10 },
  allowed: { 'PID-8': ['F', 'M', 'U'] },
  requiredSegments: ['PID', 'PV1'],
  forbiddenSegments: [/^Z/, 'NTE'],
};

describe('checkProfile', () => {
  it.each([
    { name: 'a conforming message', pid: 'PID|1||123^^^H^MR||DOE^JANE||19800101|F', extra: '', rules: [] },
    { name: 'a missing required field', pid: 'PID|1||||DOE', extra: '', rules: ['required:PID-3.1'] },
    { name: 'a value too long (length, not content, reported)', pid: 'PID|1||1||ABCDEFGHIJK', extra: '', rules: ['max-length:PID-5.1'] },
    { name: 'a code the target does not take', pid: 'PID|1||1||D||2000|X', extra: '', rules: ['allowed:PID-8'] },
    { name: 'a forbidden segment', pid: 'PID|1||1||D', extra: 'ZPI|x\rNTE|1', rules: ['forbidden-segment:ZPI', 'forbidden-segment:NTE'] },
    { name: 'an empty code is allowed when not required', pid: 'PID|1||1||D||2000|', extra: '', rules: [] },
  ])('$name', ({ pid, extra, rules }) => {
    expect(checkProfile(message(pid, extra), profile).map((v) => `${v.rule}:${v.path}`)).toEqual(rules);
  });

  it('checks the version and required segments', () => {
    const violations = checkProfile(parseMessage('MSH|^~\\&|A|B|C|D|2026||ADT^A01|C1|P|2.3\rPID|1||1||D'), profile);
    expect(violations.map((v) => v.rule)).toEqual(['version', 'required-segment']);
    expect(violations[0]!.detail).toBe('is 2.3, the target takes 2.5.1');
  });

  it('never puts the value of a too-long field in the reason', () => {
    const [violation] = checkProfile(message('PID|1||1||SECRETNAMEXX'), profile);
    expect(violation!.detail).toBe('has 12 characters, at most 10 allowed');
  });
});

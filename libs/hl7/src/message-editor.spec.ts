import { describe, expect, it } from '@jest/globals';
import { MessageEditor } from './message-editor.js';

const ADT = [
  'MSH|^~\\&|EHR|GENHOSP|ROUTER|HOSP|20261125101500||ADT^A01^ADT_A01|C1|P|2.5.1',
  'EVN|A01|20261125101500',
  'PID|1||123^^^GENHOSP^MR~999^^^SSA^SS||DOE^JANE^Q||19800101|F',
  'PV1|1|I|WARD1^101^A',
  'ZPD|custom|data',
  'OBX|1|ST|X||text',
  'ZPV|more',
].join('\r');

const lines = (editor: MessageEditor) => editor.toString().split('\r').filter(Boolean);

describe('MessageEditor', () => {
  it.each([
    { name: 'a component', path: 'PID-5.1', value: 'SMITH', segment: 'PID|1||123^^^GENHOSP^MR~999^^^SSA^SS||SMITH^JANE^Q||19800101|F' },
    { name: 'a whole field', path: 'PV1-2', value: 'O', segment: 'PV1|1|O|WARD1^101^A' },
    { name: 'a field past the end (padded)', path: 'PV1-5', value: 'V1', segment: 'PV1|1|I|WARD1^101^A||V1' },
    { name: 'a component past the end (padded)', path: 'PV1-3.5', value: 'B', segment: 'PV1|1|I|WARD1^101^A^^B' },
    {
      name: 'a subcomponent',
      path: 'PID-3.4.2',
      value: '1.2.3',
      segment: 'PID|1||123^^^GENHOSP&1.2.3^MR~999^^^SSA^SS||DOE^JANE^Q||19800101|F',
    },
    {
      name: 'a second repetition',
      path: 'PID-3[2].1',
      value: '888',
      segment: 'PID|1||123^^^GENHOSP^MR~888^^^SSA^SS||DOE^JANE^Q||19800101|F',
    },
    { name: 'a new repetition', path: 'PID-3[3].1', value: '7', segment: 'PID|1||123^^^GENHOSP^MR~999^^^SSA^SS~7||DOE^JANE^Q||19800101|F' },
    {
      name: 'delimiters in a value are escaped',
      path: 'PID-5.2',
      value: 'A^B|C&D',
      segment: 'PID|1||123^^^GENHOSP^MR~999^^^SSA^SS||DOE^A\\S\\B\\F\\C\\T\\D^Q||19800101|F',
    },
    {
      name: 'emptying the last field trims it',
      path: 'PID-8',
      value: '',
      segment: 'PID|1||123^^^GENHOSP^MR~999^^^SSA^SS||DOE^JANE^Q||19800101',
    },
    { name: 'emptying the last component trims it', path: 'PV1-3.3', value: '', segment: 'PV1|1|I|WARD1^101' },
    {
      name: 'an MSH field (MSH numbering)',
      path: 'MSH-12',
      value: '2.3',
      segment: 'MSH|^~\\&|EHR|GENHOSP|ROUTER|HOSP|20261125101500||ADT^A01^ADT_A01|C1|P|2.3',
    },
  ])('set: $name', ({ path, value, segment }) => {
    const editor = MessageEditor.parse(ADT).set(path, value);
    expect(lines(editor)).toContain(segment);
    expect(editor.get(path)).toBe(value);
  });

  it('reads decoded and raw values', () => {
    const editor = MessageEditor.parse(ADT).set('PID-5.2', 'A^B');
    expect(editor.get('PID-5.2')).toBe('A^B');
    expect(editor.getRaw('PID-5.2')).toBe('A\\S\\B');
    expect(editor.repetitions('PID-3')).toEqual(['123^^^GENHOSP^MR', '999^^^SSA^SS']);
  });

  it('replaces repetitions and writes raw composite values', () => {
    const editor = MessageEditor.parse(ADT).setRepetitions('PID-3', ['123^^^GENHOSP^MR']).setRaw('PV1-3', 'W1-101-A');
    expect(lines(editor)[2]).toBe('PID|1||123^^^GENHOSP^MR||DOE^JANE^Q||19800101|F');
    expect(editor.get('PV1-3')).toBe('W1-101-A');
  });

  it.each([
    { name: 'a missing segment', path: 'NK1-2', error: 'no NK1 segment' },
    { name: 'MSH-1', path: 'MSH-1', error: 'delimiters are fixed' },
    { name: 'MSH-2', path: 'MSH-2', error: 'delimiters are fixed' },
    { name: 'a bad path', path: 'PID5', error: 'not an HL7 field path' },
  ])('refuses to set $name', ({ path, error }) => {
    expect(() => MessageEditor.parse(ADT).set(path, 'x')).toThrow(error);
  });

  it('drops Z-segments, removes, inserts and reorders segments; MSH stays first', () => {
    const editor = MessageEditor.parse(ADT).dropZSegments();
    expect(editor.segmentNames).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'OBX']);
    editor.removeSegments('OBX').insertSegment('PD1|||GP CLINIC', 'PID').insertSegment('AL1|1||PENICILLIN');
    expect(editor.segmentNames).toEqual(['MSH', 'EVN', 'PID', 'PD1', 'PV1', 'AL1']);
    editor.reorderSegments(['EVN', 'PID', 'PV1']);
    expect(editor.segmentNames).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'PD1', 'AL1']);
    editor.removeSegments(() => true);
    expect(editor.segmentNames).toEqual(['MSH']);
    expect(() => editor.insertSegment('MSH|^~\\&')).toThrow('not a segment');
  });

  it('keeps custom delimiters', () => {
    const editor = MessageEditor.parse('MSH$!@/#$EHR$H$$$$$ADT!A08$C9$P$2.4\rPID$1$$77!!!H!MR$$ROE!RICH').set('PID-5.1', 'A!B');
    expect(editor.toString()).toBe('MSH$!@/#$EHR$H$$$$$ADT!A08$C9$P$2.4\rPID$1$$77!!!H!MR$$A/S/B!RICH\r');
    expect(editor.encodingCharacters).toBe('!@/#');
  });

  it('does not change the text it was made from', () => {
    const editor = MessageEditor.parse(ADT);
    editor.set('PID-5.1', 'X');
    expect(MessageEditor.parse(ADT).get('PID-5.1')).toBe('DOE');
  });
});

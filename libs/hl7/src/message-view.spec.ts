import { describe, expect, it } from '@jest/globals';
import { parseMessage } from './message.js';
import { describeMessage } from './message-view.js';

const view = (text: string) => describeMessage(parseMessage(text));
const field = (text: string, path: string) =>
  view(text)
    .flatMap((s) => s.fields)
    .find((f) => f.path === path);

describe('describeMessage (the console viewer)', () => {
  const msg = [
    'MSH|^~\\&|EPIC|NORTH|LAB|NORTH|20261201083000||ADT^A01^ADT_A01|C123|P|2.5.1',
    'PID|1||12345^^^HOSP^MR~999^^^SSA^SS||DOE^JANE^Q||19800101|F',
    'PV1|1|I|4W^401^A',
    'OBX|1|TX|NOTE||a \\T\\ b',
    'OBX|2|NM|HR||72',
    'ZXT|1|custom',
  ].join('\r');

  it.each([
    ['MSH-1 is the field separator itself, named', 'MSH-1', { name: 'Field Separator', value: '|', components: [] }],
    ['MSH-2 stays as written (never unescaped)', 'MSH-2', { name: 'Encoding Characters', value: '^~\\&' }],
    [
      'MSH-9 with its components',
      'MSH-9',
      {
        name: 'Message Type',
        components: [
          { path: 'MSH-9.1', value: 'ADT' },
          { path: 'MSH-9.2', value: 'A01' },
          { path: 'MSH-9.3', value: 'ADT_A01' },
        ],
      },
    ],
    ['MSH-10 atomic', 'MSH-10', { name: 'Message Control ID', value: 'C123', components: [] }],
    [
      'PID-5 components, empty ones left out',
      'PID-5',
      {
        name: 'Patient Name',
        components: [
          { path: 'PID-5.1', value: 'DOE' },
          { path: 'PID-5.2', value: 'JANE' },
          { path: 'PID-5.3', value: 'Q' },
        ],
      },
    ],
    [
      'PID-3 repetitions numbered',
      'PID-3',
      {
        name: 'Patient Identifier List',
        components: [
          { path: 'PID-3[1].1', value: '12345' },
          { path: 'PID-3[1].4', value: 'HOSP' },
          { path: 'PID-3[1].5', value: 'MR' },
          { path: 'PID-3[2].1', value: '999' },
          { path: 'PID-3[2].4', value: 'SSA' },
          { path: 'PID-3[2].5', value: 'SS' },
        ],
      },
    ],
    ['escape sequences resolved', 'OBX-5', { name: 'Observation Value', value: 'a & b' }],
    ['a second segment of a name gets its occurrence', 'OBX[2]-5', { value: '72' }],
    ['a Z-segment field has no name', 'ZXT-2', { name: '', value: 'custom' }],
  ])('%s', (_name, path, expected) => {
    expect(field(msg, path)).toMatchObject(expected);
  });

  it('leaves empty fields out and keeps segment order and occurrences', () => {
    const segments = view(msg);
    expect(segments.map((s) => `${s.name}${s.occurrence}`)).toEqual(['MSH1', 'PID1', 'PV11', 'OBX1', 'OBX2', 'ZXT1']);
    expect(segments[1]!.fields.map((f) => f.path)).toEqual(['PID-1', 'PID-3', 'PID-5', 'PID-7', 'PID-8']);
  });
});

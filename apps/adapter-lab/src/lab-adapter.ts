import { fileURLToPath } from 'node:url';
import { defineAdapter, convertVersion } from '@lib/adapter-sdk';
import { unescapeValue } from '@lib/hl7';

/**
 * The laboratory information system's guide (see ../README.md): HL7 2.5.1; PID-3 only the MR identifier with its
 * assigning authority; administrative sex through the lab's table; PV1-3 as the lab's `unit-room-bed`;
 * no Z-segments; MSH-5/6 name the lab.
 */
export const labAdapter = defineAdapter({
  name: 'lab',
  baseDir: fileURLToPath(new URL('.', import.meta.url)),
  accepts: { messageTypes: ['ADT'], triggerEvents: ['A01', 'A02', 'A03', 'A04', 'A08', 'A11', 'A13', 'A40'] },
  codeSets: {
    administrativeSex: { file: 'code-sets/administrative-sex.csv', unmapped: 'error' },
  },
  profile: {
    version: '2.5.1',
    required: ['MSH-9.1', 'MSH-9.2', 'MSH-10', 'PID-3.1', 'PID-3.4', 'PID-5.1'],
    maxLengths: { 'PID-3.1': 20, 'PID-5.1': 50, 'PID-5.2': 30, 'PV1-3.1': 40 },
    allowed: { 'PID-8': ['F', 'M', 'U'], 'PID-3.5': ['MR'] },
    requiredSegments: ['PID'],
    forbiddenSegments: [/^Z/],
  },
  map(message, { codes }) {
    message.dropZSegments();
    message.set('MSH-5', 'LIS').set('MSH-6', 'LAB');
    convertVersion(message, '2.5.1');
    for (const pid of pidOccurrences(message.segmentNames)) {
      const ids = message.repetitions(`PID[${pid}]-3`);
      // The MR repetition; a lone repetition without a type code counts as the MRN (older feeds). Read from the
      // repetitions split once (a path lookup per repetition would re-split the field: quadratic in repetitions).
      const typeCode = (raw: string) => unescapeValue(raw.split(message.delimiters.component)[4] ?? '', message.delimiters);
      const typed = ids.findIndex((raw) => typeCode(raw) === 'MR') + 1;
      const mr = typed || (ids.length === 1 && typeCode(ids[0]!) === '' ? 1 : 0);
      if (mr === 0) throw new Error(`PID[${pid}]-3 has no MR identifier`);
      const id = message.getRaw(`PID[${pid}]-3[${mr}].1`);
      const authority = message.getRaw(`PID[${pid}]-3[${mr}].4.1`);
      message.setRepetitions(`PID[${pid}]-3`, [[id, '', '', authority, 'MR'].join(message.delimiters.component)]);
      message.set(`PID[${pid}]-8`, codes('administrativeSex').translate(message.get(`PID[${pid}]-8`), 'PID-8'));
    }
    if (message.segmentNames.includes('PV1')) {
      // Point of care, room and bed are HDs/ISs: their first subcomponents are the names.
      const [unit, room, bed] = ['PV1-3.1.1', 'PV1-3.2.1', 'PV1-3.3.1'].map((p) => message.get(p));
      message.setRaw('PV1-3', '');
      if (unit) message.set('PV1-3', [unit, room, bed].filter(Boolean).join('-'));
    }
    return message;
  },
});

function pidOccurrences(names: readonly string[]): number[] {
  return names.filter((n) => n === 'PID').map((_, i) => i + 1);
}

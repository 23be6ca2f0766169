import { fileURLToPath } from 'node:url';
import { convertVersion, defineAdapter, upperCaseName } from '@lib/adapter-sdk';

/**
 * The radiology information system's guide (see ../README.md): HL7 2.3; the MRN also in PID-2, the legacy field
 * the RIS reads; the patient name in capitals; patient class through the RIS's table; A01, A02, A03, A04 and A08
 * only; MSH-5/6 name the RIS.
 */
export const radiologyAdapter = defineAdapter({
  name: 'radiology',
  baseDir: fileURLToPath(new URL('.', import.meta.url)),
  accepts: { messageTypes: ['ADT'], triggerEvents: ['A01', 'A02', 'A03', 'A04', 'A08'] },
  codeSets: {
    patientClass: { file: 'code-sets/patient-class.csv', unmapped: 'default', defaultCode: 'OP' },
  },
  profile: {
    version: '2.3',
    required: ['MSH-9.1', 'MSH-9.2', 'MSH-10', 'PID-2.1', 'PID-3.1', 'PID-5.1'],
    maxLengths: { 'PID-2.1': 16, 'PID-5.1': 48 },
    allowed: { 'PV1-2': ['IP', 'OP', 'ER', 'PA', 'RC', 'OB'] },
    requiredSegments: ['PID', 'PV1'],
  },
  map(message, { codes, envelope }) {
    message.set('MSH-5', 'RIS').set('MSH-6', 'RAD');
    convertVersion(message, '2.3');
    // The gateway found the MRN (PID-3, type MR): the RIS reads it from PID-2.
    message.set('PID-2', envelope.mrn);
    upperCaseName(message, 'PID-5');
    if (message.segmentNames.includes('PV1')) message.set('PV1-2', codes('patientClass').translate(message.get('PV1-2'), 'PV1-2'));
    return message;
  },
});

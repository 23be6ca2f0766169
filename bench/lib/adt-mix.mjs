// The benchmarks' message mix: real ADT messages from the public corpus (1-8.6 KB, CR separators), each made unique
// by MSH-10 and given an MR id spread over a number of patients. (Not the A40 sample: its MSH-15=NE asks for no
// accept ACK, which the gateway honours.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const corpus = join(root, 'test/fixtures/hl7/public');

/** The mixes: `corpus`, 7 real ADT messages of 1.4-8.6 KB (mean about 6.4 KB); `small`, one 1.4 KB A01. */
export const ADT_MIXES = {
  corpus: [
    'fhir-converter/adt-a01-v28-full.hl7',
    'fhir-converter/adt-a02-v28-transfer.hl7',
    'fhir-converter/adt-a03-v28-discharge.hl7',
    'fhir-converter/adt-a08-v28-update.hl7',
    'fhir-converter/adt-a11-v28-cancel-admit.hl7',
    'python-hl7/adt-a01-v23-pid3-repeats-quoted-nulls.hl7',
    'fhir-converter/adt-a04-v28-register.hl7',
  ],
  small: ['python-hl7/adt-a01-v23-pid3-repeats-quoted-nulls.hl7'],
};

/** Splits a template once into the parts around MSH-10 and the MR id, so each message is a few concatenations. */
function compile(text) {
  const segments = text.replace(/\r?\n/g, '\r').replace(/\r+$/, '').split('\r');
  const msh = segments[0].split('|');
  const pidIndex = segments.findIndex((s) => s.startsWith('PID|'));
  const pid = segments[pidIndex].split('|');
  const mr = /^[^^~]*(?=\^[^~]*\^MR)/.exec(pid[3]);
  const mshBefore = msh.slice(0, 9).join('|') + '|';
  const mshAfter = '|' + msh.slice(10).join('|');
  const middle = segments
    .slice(1, pidIndex)
    .map((s) => '\r' + s)
    .join('');
  const pidBefore = '\r' + pid.slice(0, 3).join('|') + '|';
  const pidRest = (mr ? pid[3].slice(mr[0].length) : `^^^HOSP^MR~${pid[3]}`) + '|' + pid.slice(4).join('|');
  const after = segments
    .slice(pidIndex + 1)
    .map((s) => '\r' + s)
    .join('');
  return (controlId, mrn) => mshBefore + controlId + mshAfter + middle + pidBefore + mrn + pidRest + after;
}

/**
 * A generator of unique messages: next() → { controlId, mrn, event, bytes }. `tag` makes control IDs unique across
 * processes and runs; `patients` is how many MR ids the messages cycle through; `mix` one of ADT_MIXES.
 */
export function adtMix({ tag, patients = 5000, mix = 'corpus' }) {
  const files = ADT_MIXES[mix];
  if (!files) throw new Error(`unknown mix ${mix}; one of ${Object.keys(ADT_MIXES).join(', ')}`);
  const templates = files.map((f) => {
    const text = readFileSync(join(corpus, f), 'latin1');
    return { build: compile(text), event: text.split('|')[8].split('^')[1] };
  });
  let sequence = 0;
  return {
    next() {
      sequence += 1;
      const template = templates[sequence % templates.length];
      const controlId = `${tag}-${sequence}`;
      const mrn = `MRN${sequence % patients}`;
      return { controlId, mrn, event: template.event, bytes: Buffer.from(template.build(controlId, mrn), 'latin1') };
    },
  };
}

import { unescapeValue } from './escape.js';
import { Hl7ErrorCode, type Hl7Issue, issue } from './hl7-error.js';
import type { Hl7Message } from './message.js';

export interface PatientIdRule {
  /** PID-3.5 identifier type code of the repetition that holds the MRN (default MR). */
  identifierTypeCode?: string;
  /** If set, PID-3.4.1 (assigning authority namespace) must equal this too. */
  assigningAuthority?: string;
  /**
   * When no repetition matches: 'refuse' (the default: the gateway asks for the type it is configured with) or
   * 'first', the first repetition that has an ID, whatever its type (published sample messages often leave it untyped).
   */
  otherwise?: 'refuse' | 'first';
}

export interface PatientId {
  id: string;
  /** PID-3.4.1 of the chosen repetition ('' when absent). */
  assigningAuthority: string;
  /** 1-based repetition of PID-3 it came from. */
  repetition: number;
}

const PID3 = { segment: 'PID', sequence: 1, field: 3 };

/** Finds the MRN in PID-3: the repetition whose type code (and, if configured, assigning authority) match. */
export function extractPatientId(message: Hl7Message, rule: PatientIdRule = {}): PatientId | Hl7Issue {
  const typeCode = rule.identifierTypeCode ?? 'MR';
  const pidIndex = message.segments.findIndex((s) => s.name === 'PID');
  if (pidIndex === -1) return issue(Hl7ErrorCode.RequiredFieldMissing, 'PID segment missing: no patient identifier', { segment: 'PID' });
  const location = { ...PID3, sequence: pidIndex + 1 };
  // Each repetition split once: a get() per component re-split the whole field, quadratic in the repetitions.
  const d = message.delimiters;
  const repetitions = message.repetitions('PID-3');
  for (let i = 0; i < repetitions.length; i += 1) {
    const components = repetitions[i]!.split(d.component);
    const id = unescapeValue(components[0] ?? '', d).trim();
    const type = unescapeValue(components[4] ?? '', d).trim();
    const authority = unescapeValue((components[3] ?? '').split(d.subcomponent)[0] ?? '', d).trim();
    if (id && type === typeCode && (rule.assigningAuthority === undefined || authority === rule.assigningAuthority)) {
      return { id, assigningAuthority: authority, repetition: i + 1 };
    }
  }
  if (rule.otherwise === 'first') {
    for (let i = 0; i < repetitions.length; i += 1) {
      const components = repetitions[i]!.split(d.component);
      const id = unescapeValue(components[0] ?? '', d).trim();
      const authority = unescapeValue((components[3] ?? '').split(d.subcomponent)[0] ?? '', d).trim();
      if (id) return { id, assigningAuthority: authority, repetition: i + 1 };
    }
  }
  const what = rule.assigningAuthority ? `type ${typeCode} from authority ${rule.assigningAuthority}` : `type ${typeCode}`;
  return issue(Hl7ErrorCode.RequiredFieldMissing, `PID-3 has no identifier of ${what}`, location);
}

export function isIssue(value: PatientId | Hl7Issue): value is Hl7Issue {
  return 'code' in value;
}

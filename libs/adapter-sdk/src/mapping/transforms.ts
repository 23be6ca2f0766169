import { type MessageEditor, escapeValue, unescapeValue } from '@lib/hl7';

/**
 * The message structure (MSH-9.3) of an ADT trigger event, from HL7 v2.5 table 0354, for the events ADT feeds
 * carry; undefined for others.
 */
export const ADT_STRUCTURES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['A01', 'A04', 'A08', 'A13'].map((e) => [e, 'ADT_A01'])),
  A02: 'ADT_A02',
  A03: 'ADT_A03',
  ...Object.fromEntries(['A05', 'A14', 'A28', 'A31'].map((e) => [e, 'ADT_A05'])),
  A06: 'ADT_A06',
  A07: 'ADT_A06',
  ...Object.fromEntries(['A09', 'A10', 'A11'].map((e) => [e, 'ADT_A09'])),
  A12: 'ADT_A12',
  ...Object.fromEntries(['A21', 'A22', 'A23', 'A25', 'A26', 'A27', 'A29', 'A32', 'A33'].map((e) => [e, 'ADT_A21'])),
  ...Object.fromEntries(['A30', 'A34', 'A35', 'A36', 'A46', 'A47', 'A48', 'A49'].map((e) => [e, 'ADT_A30'])),
  ...Object.fromEntries(['A39', 'A40', 'A41', 'A42'].map((e) => [e, 'ADT_A39'])),
  A37: 'ADT_A37',
  A38: 'ADT_A38',
  A43: 'ADT_A43',
  A45: 'ADT_A45',
};

/**
 * HL7 version conversion for the structures an ADT feed uses. What changes, by target version:
 * - MSH-12 is set to the target version;
 * - before 2.3.1, MSH-9 has no third component (message structure): it is removed;
 * - from 2.3.1 on, MSH-9.3 of an ADT message is set from table 0354 (ADT_STRUCTURES) when the event is listed;
 * - before 2.5, EVN-7 (event facility) does not exist: it is removed.
 * Field-level differences of a particular guide (a field moved, a table changed) belong in that adapter's mapping.
 */
export function convertVersion(message: MessageEditor, target: string): MessageEditor {
  message.set('MSH-12', target);
  if (versionBefore(target, '2.3.1')) message.setRaw('MSH-9.3', '');
  else if (message.get('MSH-9.1') === 'ADT') {
    // Set, not only filled: feeds send structures their version does not define (2.8 samples say ADT_A04,
    // ADT_A08, ADT_A40), which a 2.5.1 parser cannot place (HAPI falls back to a generic message).
    const structure = ADT_STRUCTURES[message.get('MSH-9.2')];
    if (structure) message.set('MSH-9.3', structure);
  }
  if (versionBefore(target, '2.5') && message.segmentNames.includes('EVN')) message.setRaw('EVN-7', '');
  return message;
}

export function versionBefore(version: string, than: string): boolean {
  const a = version.split('.').map(Number);
  const b = than.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

const DTM = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?$/;

/**
 * Reformats an HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]) to `precision` (e.g. 'minute' gives
 * YYYYMMDDHHMM), keeping the offset only when `keepOffset`. Missing parts are not invented: a value shorter than
 * the precision is returned as far as it goes. '' stays ''. Throws on a value that is not a DTM.
 */
export function formatTimestamp(value: string, precision: 'date' | 'minute' | 'second', keepOffset = false): string {
  if (value === '') return '';
  const m = DTM.exec(value.trim());
  // The value is not quoted: it is likely a birth date, and this text reaches the ledger and dead-letter headers.
  if (!m) throw new Error(`not an HL7 date/time (DTM: YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]), ${value.length} characters`);
  const parts = [m[1], m[2], m[3], m[4], m[5], m[6]];
  const take = precision === 'date' ? 3 : precision === 'minute' ? 5 : 6;
  const body = parts
    .slice(0, take)
    .filter((p) => p !== undefined)
    .join('');
  return keepOffset && m[8] ? `${body}${m[8]}` : body;
}

/** Upper-cases every repetition, component and subcomponent of a name field (XPN), e.g. PID-5. */
export function upperCaseName(message: MessageEditor, path: string): MessageEditor {
  // One pass over the field and one write: linear in its size (a get/set per subcomponent re-split the field each
  // time, quadratic in the number of subcomponents). Changed parts are re-escaped and trimmed as set() would.
  const d = message.delimiters;
  let changed = false;
  const repetitions = message.repetitions(path).map((repetition) => {
    let repetitionChanged = false;
    const components = repetition.split(d.component).map((component) => {
      let componentChanged = false;
      const subcomponents = component.split(d.subcomponent).map((raw) => {
        const value = unescapeValue(raw, d);
        const upper = value.toUpperCase();
        if (upper === value) return raw;
        componentChanged = true;
        return escapeValue(upper, d);
      });
      if (!componentChanged) return component;
      repetitionChanged = true;
      return trimTrailingEmpty(subcomponents).join(d.subcomponent);
    });
    if (!repetitionChanged) return repetition;
    changed = true;
    return trimTrailingEmpty(components).join(d.component);
  });
  if (changed) message.setRepetitions(path, repetitions);
  return message;
}

function trimTrailingEmpty(values: string[]): string[] {
  let end = values.length;
  while (end > 1 && values[end - 1] === '') end -= 1;
  return values.slice(0, end);
}

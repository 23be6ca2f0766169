import type { Delimiters } from './delimiters.js';

/**
 * Decodes HL7 escape sequences in a single value (a component or subcomponent):
 * \F\ \S\ \T\ \R\ \E\ to the delimiters, \Xhh..\ to the bytes it names (read as UTF-8 when valid, else Latin-1),
 * \.br\ to a line break, \H\ and \N\ (highlighting) dropped. Anything else, including a lone escape character,
 * is kept as written: a value is never lost to a malformed escape.
 */
export function unescapeValue(value: string, d: Delimiters): string {
  const e = d.escape;
  if (!value.includes(e)) return value;
  let out = '';
  let pos = 0;
  while (pos < value.length) {
    const start = value.indexOf(e, pos);
    if (start === -1) break;
    const end = value.indexOf(e, start + 1);
    if (end === -1) break;
    out += value.slice(pos, start);
    const body = value.slice(start + 1, end);
    const decoded = decodeSequence(body, d);
    out += decoded ?? value.slice(start, end + 1);
    pos = end + 1;
  }
  return out + value.slice(pos);
}

function decodeSequence(body: string, d: Delimiters): string | undefined {
  switch (body) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'T':
      return d.subcomponent;
    case 'R':
      return d.repetition;
    case 'E':
      return d.escape;
    case '.br':
      return '\n';
    case 'H':
    case 'N':
      return '';
  }
  if (/^X([0-9A-Fa-f]{2})+$/.test(body)) {
    const bytes = Buffer.from(body.slice(1), 'hex');
    const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    return utf8.includes('\ufffd') ? bytes.toString('latin1') : utf8;
  }
  return undefined;
}

/** Escapes delimiter characters in a plain value so it can be placed in a field (the inverse of unescapeValue). */
export function escapeValue(value: string, d: Delimiters): string {
  let out = '';
  for (const ch of value) {
    if (ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (ch === '\r' || ch === '\n') out += `${d.escape}.br${d.escape}`;
    else out += ch;
  }
  return out;
}

import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { AdapterError } from '../adapter-error.js';

/**
 * What a table does with a code it has no row for:
 * - error: the message is dead-lettered with the reason (the safe default for clinical codes);
 * - default: the table's `defaultCode` is used;
 * - pass-through: the code is sent as received.
 */
export type UnmappedPolicy = 'error' | 'default' | 'pass-through';

export interface CodeSetSpec {
  /** A CSV file with the header `from,to` (more columns are ignored), or a JSON object { "from": "to" }. */
  file: string;
  unmapped: UnmappedPolicy;
  defaultCode?: string;
  /** Compare codes ignoring case (default false: HL7 codes are case-sensitive). */
  ignoreCase?: boolean;
}

/** A code a table has no row for, under the 'error' policy: the message cannot be sent. */
export class UnmappedCodeError extends AdapterError {
  readonly code = 'UNMAPPED_CODE';
  readonly retriable = false;
  constructor(readonly context: { table: string; field?: string }) {
    // Names the field and table, not the code: a patient's code (sex, race, religion) is PHI in the ledger and DLQ.
    super(`the code${context.field ? ` in ${context.field}` : ''} has no row in code set ${context.table}`);
  }
}

/** A code set file that cannot be read or is malformed. */
export class CodeSetFileError extends AdapterError {
  readonly code = 'CODE_SET_FILE';
  readonly retriable = false;
  constructor(
    message: string,
    readonly context: { table: string; file: string },
  ) {
    super(message);
  }
}

/** One translation table of an adapter (e.g. administrative sex → the lab's codes). */
export class CodeSet {
  private constructor(
    readonly name: string,
    private readonly rows: ReadonlyMap<string, string>,
    private readonly spec: Omit<CodeSetSpec, 'file'>,
  ) {}

  static fromRows(name: string, rows: Record<string, string>, spec: Omit<CodeSetSpec, 'file'>): CodeSet {
    if (spec.unmapped === 'default' && spec.defaultCode === undefined) {
      throw new Error(`code set ${name}: the 'default' policy needs defaultCode`);
    }
    const key = (code: string) => (spec.ignoreCase ? code.toUpperCase() : code);
    return new CodeSet(name, new Map(Object.entries(rows).map(([from, to]) => [key(from), to])), spec);
  }

  /** Reads a CSV (`from,to` header) or JSON table. Paths are relative to `baseDir`. */
  static load(name: string, spec: CodeSetSpec, baseDir: string): CodeSet {
    const file = spec.file.startsWith('/') ? spec.file : `${baseDir}/${spec.file}`;
    let rows: Record<string, string>;
    try {
      const text = readFileSync(file, 'utf8');
      rows = file.endsWith('.json') ? (JSON.parse(text) as Record<string, string>) : csvRows(text);
    } catch (error) {
      throw new CodeSetFileError(`code set ${name}: ${(error as Error).message}`, { table: name, file });
    }
    for (const [from, to] of Object.entries(rows)) {
      if (typeof to !== 'string')
        throw new CodeSetFileError(`code set ${name}: the value for ${from} is not a string`, { table: name, file });
    }
    return CodeSet.fromRows(name, rows, spec);
  }

  get size(): number {
    return this.rows.size;
  }

  /** The target's code for `value`; '' stays '' (an empty field is not a code). Throws UnmappedCodeError per policy. */
  translate(value: string, field?: string): string {
    if (value === '') return '';
    const hit = this.rows.get(this.spec.ignoreCase ? value.toUpperCase() : value);
    if (hit !== undefined) return hit;
    if (this.spec.unmapped === 'pass-through') return value;
    if (this.spec.unmapped === 'default') return this.spec.defaultCode!;
    throw new UnmappedCodeError({ table: this.name, ...(field ? { field } : {}) });
  }
}

function csvRows(text: string): Record<string, string> {
  const records = parseCsv(text, { columns: true, comment: '#', skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const rows: Record<string, string> = {};
  for (const record of records) {
    if (record['from'] === undefined || record['to'] === undefined) throw new Error('a CSV code set needs the header from,to');
    if (record['from'] in rows) throw new Error(`code ${record['from']} appears twice`);
    rows[record['from']] = record['to'];
  }
  return rows;
}

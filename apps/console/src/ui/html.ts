import escapeHtml from 'escape-html';

/** Markup that is already safe (built by `html`), as opposed to text, which is escaped wherever it is put. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * The console's templates: a tagged template whose interpolated values are HTML-escaped (escape-html) unless they
 * are Html themselves; arrays are joined, null/undefined/false render nothing. Every value a page shows (control
 * IDs, sender names, an HL7 field, an ERR detail) goes through here, so no record can inject markup. Pure.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i += 1) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

export { escapeHtml };

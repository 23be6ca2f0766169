import type { z } from 'zod';
import { ConfigError } from './config-error.js';

/**
 * Validates `source` (usually environment variables, optionally merged with a YAML file) against `schema` and
 * returns the typed config, or throws a ConfigError listing every problem. Apps call this once at boot; libs
 * never read process.env.
 */
export function loadConfig<S extends z.ZodType>(app: string, schema: S, source: Readonly<Record<string, unknown>>): z.infer<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  throw new ConfigError(app, problems);
}

/** The setting names an app's config schema reads: the keys of its object, through the pipes transforms add. */
export function settingNames(schema: z.ZodType): string[] {
  let s = schema as unknown as { _zod: { def: { type: string; in?: unknown } } };
  while (s._zod.def.type === 'pipe') s = s._zod.def.in as typeof s;
  return Object.keys((s as unknown as { shape: Record<string, unknown> }).shape);
}

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

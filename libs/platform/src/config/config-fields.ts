import { z } from 'zod';

/** Reusable, documented config fields for apps' zod schemas (all read from strings, as the environment gives them). */

/** A comma-separated list of host:port pairs, e.g. "kafka-0:9092,kafka-1:9092". */
export const brokerList = z
  .string({ error: 'is required (comma-separated host:port list)' })
  .transform((text) =>
    text
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1, 'needs at least one broker'));

/** A TCP port number, 0 meaning "any free port". */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** "true"/"false"/"1"/"0" → boolean. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info');

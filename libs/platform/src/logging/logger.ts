import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names that may carry patient data or message bodies. Whatever is logged under these keys, at any depth we
 * list, is replaced by "[redacted]": a mistaken `log.info({ mrn })` leaks nothing. Log control IDs, message types
 * and hashMrn() tokens instead.
 */
export const PHI_KEYS = [
  'mrn',
  'patientName',
  'name',
  'dob',
  'birthDate',
  'address',
  'phone',
  'ssn',
  'raw',
  'body',
  'payload',
  'hl7',
  'segment',
  'value',
] as const;

const redactPaths = PHI_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface LoggerOptions {
  app: string;
  level?: string;
  /** Where lines go (default stdout); tests pass a stream to read them. */
  destination?: DestinationStream;
}

/** The structured JSON logger every app uses. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: options.app },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

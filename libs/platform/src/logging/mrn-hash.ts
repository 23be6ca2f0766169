import { createHmac } from 'node:crypto';

/**
 * A keyed hash of a patient identifier for logs and metrics labels. MRNs are short and guessable, so a plain hash
 * could be reversed by trying every MRN; the key (from config, per deployment) prevents that. Same key, same MRN →
 * same 16-hex-character token, so one patient's messages can still be followed through the logs.
 */
export function hashMrn(mrn: string, key: string): string {
  return createHmac('sha256', key).update(mrn, 'utf8').digest('hex').slice(0, 16);
}

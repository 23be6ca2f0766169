import type { KeyValueStore } from '@lib/streams';
import type { Hl7Envelope } from '@lib/envelope';

/** What the router remembers of a routed message (per sender and control ID). */
export interface SeenMessage {
  sha256: string;
  /** The envelope's receivedAt (record time, not wall-clock time, so a replay decides the same way). */
  at: number;
}

export interface DuplicateWindow {
  windowMs: number;
  /** Per partition; the oldest entries go first. */
  maxEntries: number;
}

export type DuplicateVerdict = 'new' | 'duplicate' | 'control-id-reused';

/**
 * Decides whether an envelope repeats one already routed: same sender (MSH-3, MSH-4), same control ID (MSH-10),
 * same content hash, within the window. A reused control ID with other content is not a duplicate (it is routed
 * and reported). Records the envelope when it is not a duplicate.
 */
export function checkDuplicate(store: KeyValueStore<SeenMessage>, envelope: Hl7Envelope, window: DuplicateWindow): DuplicateVerdict {
  const key = `${envelope.sendingApplication}|${envelope.sendingFacility}|${envelope.controlId}`;
  const seen = store.get(key);
  if (seen && seen.sha256 === envelope.contentSha256 && envelope.receivedAt - seen.at <= window.windowMs) return 'duplicate';
  // Put again, a key moves to the end: the eviction order is oldest first.
  store.put(key, { sha256: envelope.contentSha256, at: envelope.receivedAt });
  if (store.size > window.maxEntries) store.deleteOldest(store.size - window.maxEntries);
  return seen && seen.sha256 !== envelope.contentSha256 && envelope.receivedAt - seen.at <= window.windowMs ? 'control-id-reused' : 'new';
}

// What a fault did to the promise behind every AA, counted from the outside: the EHR's accepted messages against
// what each receiving system accepted (answered AA), in arrival order. Pure.

export interface SentMessage {
  controlId: string;
  patient: string;
  /** Position in the patient's sequence. */
  seq: number;
}

export interface Arrival {
  controlId: string;
  at: number;
}

export interface TargetVerdict {
  target: string;
  accepted: number;
  /** Accepted messages that arrived at least once. */
  delivered: number;
  missing: number;
  /** The first missing MSH-10s (at most 10), to look for in the apps' logs. */
  missingIds: string[];
  /** Arrivals of a message that had already arrived (the same MSH-10 again: the only duplicate allowed). */
  duplicates: number;
  /**
   * Arrivals of a patient's message after a later message of the same patient had arrived (m1, m2, m1 counts one):
   * what re-admits a discharged patient.
   */
  reordered: number;
  /** Arrivals whose MSH-10 the EHR never had accepted (stored before an AE, then the run ended): reported, not failed. */
  unaccepted: number;
  /**
   * Seconds from the fault's end to this target's first arrival after it; 0 when every message had arrived before
   * (nothing waited); undefined when messages were missing and nothing arrived after it.
   */
  recoverySeconds: number | undefined;
}

export function judgeTarget(
  target: string,
  accepted: readonly SentMessage[],
  arrivals: readonly Arrival[],
  faultClearedAt: number,
): TargetVerdict {
  const byId = new Map(accepted.map((m) => [m.controlId, m]));
  const seen = new Set<string>();
  const highest = new Map<string, number>();
  let duplicates = 0;
  let reordered = 0;
  let unaccepted = 0;
  let firstAfter: number | undefined;
  for (const arrival of arrivals) {
    if (arrival.at >= faultClearedAt && firstAfter === undefined) firstAfter = arrival.at;
    const message = byId.get(arrival.controlId);
    if (!message) {
      unaccepted += 1;
      continue;
    }
    if (seen.has(arrival.controlId)) duplicates += 1;
    seen.add(arrival.controlId);
    const top = highest.get(message.patient) ?? -1;
    if (message.seq < top) reordered += 1;
    else highest.set(message.patient, message.seq);
  }
  const delivered = accepted.filter((m) => seen.has(m.controlId)).length;
  const missingIds = accepted
    .filter((m) => !seen.has(m.controlId))
    .slice(0, 10)
    .map((m) => m.controlId);
  const nothingWaited = firstAfter === undefined && delivered === accepted.length;
  return {
    target,
    accepted: accepted.length,
    delivered,
    missing: accepted.length - delivered,
    missingIds,
    duplicates,
    reordered,
    unaccepted,
    recoverySeconds: nothingWaited ? 0 : firstAfter === undefined ? undefined : Math.max(0, (firstAfter - faultClearedAt) / 1000),
  };
}

/** The suite's table: one row per fault and target. */
export function formatTable(rows: readonly (TargetVerdict & { fault: string })[]): string {
  const head = ['fault', 'target', 'accepted', 'delivered', 'missing', 'dup', 'reordered', 'recovery s'];
  const body = rows.map((r) => [
    r.fault,
    r.target,
    String(r.accepted),
    String(r.delivered),
    String(r.missing),
    String(r.duplicates),
    String(r.reordered),
    r.recoverySeconds === undefined ? '-' : r.recoverySeconds.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

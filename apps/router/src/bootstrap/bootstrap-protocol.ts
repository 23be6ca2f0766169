/**
 * The records the bootstrap command and the router exchange. The command writes one BootstrapRequest to every
 * partition of the control topic (co-partitioned with the ADT topic); the router's task for partition p, between
 * two ADT batches, writes a snapshot of every patient whose state lives in p to the target's topic, marks the
 * target live for p, and answers with one BootstrapProgress on the status topic.
 */
export interface BootstrapRequest {
  command: 'bootstrap';
  requestId: string;
  target: string;
  requestedAt: number;
}

export interface BootstrapProgress {
  requestId: string;
  target: string;
  partition: number;
  /** Snapshots written for this partition (merged MRNs are not sent: their survivor carries the patient). */
  patients: number;
  /** 'done', or 'unknown-target' when the router has no such target in its routes. */
  outcome: 'done' | 'unknown-target';
  at: number;
}

/** The target-activation store's value: since when (and by which request) a target is live in a partition. */
export interface TargetActivation {
  requestId: string;
  at: number;
}

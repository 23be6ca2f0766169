/**
 * The ids sent in the last `windowMs`, so a message redelivered after a crash, a rebalance or a Lambda retry is not
 * sent twice by the same process. Insertion order is time order: expired ids are dropped from the front as new ones
 * come, so memory stays bounded by the window's traffic. Per process: a redelivery to another pod or a cold Lambda
 * sends again — which is why the id also travels with the message (X-HL7Router-Event-Id) for the receiver.
 */
export class DedupWindow {
  private readonly sentAt = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `id` was recorded within the window. */
  seen(id: string): boolean {
    this.expire();
    return this.sentAt.has(id);
  }

  record(id: string): void {
    this.sentAt.delete(id);
    this.sentAt.set(id, this.now());
    this.expire();
  }

  get size(): number {
    return this.sentAt.size;
  }

  private expire(): void {
    const oldest = this.now() - this.windowMs;
    for (const [id, at] of this.sentAt) {
      if (at >= oldest) break;
      this.sentAt.delete(id);
    }
  }
}

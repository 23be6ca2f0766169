import { ArrivalOrderedMap } from '@lib/platform';

/**
 * The ids sent in the last `windowMs`, so a message redelivered after a crash, a rebalance or a Lambda retry is not
 * sent twice by the same process. Insertion order is time order: expired ids are dropped from the front as new ones
 * come, so memory stays bounded by the window's traffic. Per process: a redelivery to another pod or a cold Lambda
 * sends again — which is why the id also travels with the message (X-HL7Router-Event-Id) for the receiver.
 * The window holds a whole day by default: dropping its front must not cost more as it grows (ArrivalOrderedMap).
 */
export class DedupWindow {
  private readonly sentAt = new ArrivalOrderedMap<string, number>();

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
    this.sentAt.set(id, this.now());
    this.expire();
  }

  get size(): number {
    return this.sentAt.size;
  }

  private expire(): void {
    const oldest = this.now() - this.windowMs;
    this.sentAt.dropOldestWhile((at) => at < oldest);
  }
}

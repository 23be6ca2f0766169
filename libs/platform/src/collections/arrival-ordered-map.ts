/**
 * A Map that gives up its oldest entries cheaply: for windows of recent keys (duplicate ACKs, sent ids) that drop
 * what came first once they are full or their entries expire. Setting a key again makes it the newest.
 *
 * A plain Map keeps insertion order too, but reaching its oldest entry (`keys().next()`, or a `for…of` that stops at
 * the first young entry) walks over every entry deleted since the Map last compacted its table. A window that drops
 * one entry per new one keeps up to its own size in such holes, so every call paid for a scan of them: ~20 µs at
 * 100,000 entries, ~230 µs for a time window of that size (bench/README.md, "Windows of recent keys"). Here the order
 * lives in a queue of its own; an entry set again, or deleted, leaves a stale place that is skipped once and
 * compacted away, so each operation costs O(1) amortized.
 */
export class ArrivalOrderedMap<K, V> {
  private readonly byKey = new Map<K, { value: V; seq: number }>();
  // The queue of arrival as two parallel arrays (no object per place): the key and the sequence number it got.
  private keys: K[] = [];
  private seqs: number[] = [];
  private head = 0;
  private seq = 0;

  get size(): number {
    return this.byKey.size;
  }

  get(key: K): V | undefined {
    return this.byKey.get(key)?.value;
  }

  has(key: K): boolean {
    return this.byKey.has(key);
  }

  /** Adds or replaces `key`, which becomes the newest entry. */
  set(key: K, value: V): void {
    this.seq += 1;
    this.byKey.set(key, { value, seq: this.seq });
    this.keys.push(key);
    this.seqs.push(this.seq);
    this.compact();
  }

  delete(key: K): boolean {
    const deleted = this.byKey.delete(key);
    if (deleted) this.compact();
    return deleted;
  }

  /**
   * The entries there are now, oldest first (a key set again counts from its last set); one deleted or set again
   * before the iteration reaches it is skipped, one set after the iteration began is not visited.
   */
  *entries(): IterableIterator<[K, V]> {
    const { keys, seqs } = this;
    const end = keys.length;
    for (let i = this.head; i < end; i += 1) {
      const key = keys[i]!;
      const entry = this.byKey.get(key);
      if (entry?.seq === seqs[i]!) yield [key, entry.value];
    }
  }

  /** Deletes the oldest entries, one after another, while `drop` holds for the oldest one left. */
  dropOldestWhile(drop: (value: V, key: K) => boolean): void {
    while (this.head < this.keys.length) {
      const key = this.keys[this.head]!;
      const entry = this.byKey.get(key);
      if (entry?.seq === this.seqs[this.head]!) {
        if (!drop(entry.value, key)) break;
        this.byKey.delete(key);
      }
      this.head += 1;
    }
    this.compact();
  }

  /** Keeps the queue's stale places (dropped ones before head; keys set again or deleted) below its live ones. */
  private compact(): void {
    const length = this.keys.length;
    if (this.head > 1024 && this.head * 2 > length) {
      this.keys = this.keys.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
    if (this.keys.length - this.head > 2 * this.byKey.size + 1024) {
      const keys: K[] = [];
      const seqs: number[] = [];
      for (let i = this.head; i < this.keys.length; i += 1) {
        if (this.byKey.get(this.keys[i]!)?.seq !== this.seqs[i]) continue;
        keys.push(this.keys[i]!);
        seqs.push(this.seqs[i]!);
      }
      this.keys = keys;
      this.seqs = seqs;
      this.head = 0;
    }
  }
}

import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { AdapterError, isPlainAddress } from '@lib/adapter-sdk';

/** One care-team member who wants to hear of a provider's patients' events. */
export interface Subscription {
  /** The provider's id as the EHR sends it in PD1-4.1 / PV1-7.1 / PV1-8.1 / PV1-9.1. */
  providerId: string;
  email: string;
  /** Trigger events wanted (A01, A03…); empty: every event the adapter takes. */
  events: readonly string[];
}

/** The subscription table cannot be used: names the row and column, never a value. */
export class SubscriptionTableError extends AdapterError {
  readonly code = 'SUBSCRIPTION_TABLE';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
  }
}

const EVENT = /^[A-Z]\d{2}$/;

/**
 * Who to notify for which provider: a table kept as data (a CSV file: provider_id,email,events — events a
 * space-separated list, empty for all), checked when loaded, so a bad file stops the adapter at start-up with every
 * problem listed; and, changing without a redeploy, a compacted topic keyed by provider id (`setProvider`,
 * `applyRecord`): a provider's entry there replaces its rows of the file, a tombstone gives the file's back. Lookups are
 * pure.
 */
export class SubscriptionTable {
  private readonly byProvider = new Map<string, Subscription[]>();
  /** Providers whose subscriptions the topic holds (an empty list: no one, whatever the file says). */
  private readonly fromTopic = new Map<string, Subscription[]>();

  constructor(subscriptions: readonly Subscription[]) {
    for (const s of subscriptions) this.byProvider.set(s.providerId, [...(this.byProvider.get(s.providerId) ?? []), s]);
  }

  /**
   * One record of the subscriptions topic: key the provider id, value `{"subscriptions": [{"email": "…", "events":
   * ["A01"]}]}` (events optional), or null to drop the topic's entry. Throws SubscriptionTableError for a value it
   * cannot take (naming the problem, not the value); the table is then unchanged.
   */
  applyRecord(providerId: string, value: Buffer | null): void {
    if (!providerId) throw new SubscriptionTableError('a subscriptions record without a provider id (key)');
    if (value === null) {
      this.fromTopic.delete(providerId);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.toString('utf8'));
    } catch {
      throw new SubscriptionTableError('a subscriptions record that is not JSON');
    }
    const list = (parsed as { subscriptions?: unknown }).subscriptions;
    if (!Array.isArray(list)) throw new SubscriptionTableError('a subscriptions record without a subscriptions list');
    const subscriptions = list.map((entry: { email?: unknown; events?: unknown }, i): Subscription => {
      const events = entry.events ?? [];
      if (typeof entry.email !== 'string' || !isPlainAddress(entry.email))
        throw new SubscriptionTableError(`subscription ${i + 1}: email is not a plain address`);
      if (!Array.isArray(events) || !events.every((e) => typeof e === 'string' && EVENT.test(e)))
        throw new SubscriptionTableError(`subscription ${i + 1}: events must look like ["A01", "A03"]`);
      return { providerId, email: entry.email, events: events as string[] };
    });
    this.fromTopic.set(providerId, subscriptions);
  }

  static parseCsv(text: string, source = 'subscriptions'): SubscriptionTable {
    const rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, comment: '#' }) as Record<string, string>[];
    const problems: string[] = [];
    const subscriptions: Subscription[] = [];
    rows.forEach((row, i) => {
      const line = `${source} row ${i + 1}`;
      const providerId = row['provider_id'] ?? '';
      const email = row['email'] ?? '';
      const events = (row['events'] ?? '').split(/\s+/).filter(Boolean);
      if (!providerId) problems.push(`${line}: provider_id is empty`);
      if (!isPlainAddress(email)) problems.push(`${line}: email is not a plain address`);
      const badEvents = events.filter((e) => !EVENT.test(e));
      if (badEvents.length) problems.push(`${line}: events must look like A01 A03`);
      subscriptions.push({ providerId, email, events });
    });
    if (problems.length) throw new SubscriptionTableError(problems.join('; '));
    return new SubscriptionTable(subscriptions);
  }

  static load(file: string): SubscriptionTable {
    return SubscriptionTable.parseCsv(readFileSync(file, 'utf8'), file);
  }

  /** The distinct addresses subscribed to any of `providerIds` for `event`, in table order. */
  recipients(providerIds: readonly string[], event: string): string[] {
    const found = new Set<string>();
    for (const id of providerIds)
      for (const s of this.fromTopic.get(id) ?? this.byProvider.get(id) ?? [])
        if (s.events.length === 0 || s.events.includes(event)) found.add(s.email);
    return [...found];
  }

  /** Subscriptions in force (the topic's providers replacing the file's). */
  get size(): number {
    let n = 0;
    for (const [id, list] of this.byProvider) if (!this.fromTopic.has(id)) n += list.length;
    for (const list of this.fromTopic.values()) n += list.length;
    return n;
  }
}

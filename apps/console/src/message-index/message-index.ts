import { type DeliveryOutcome, type IndexEvent, positionText, type RecordPosition } from './index-events.js';
import type { IndexDatabase, Row, SqlValue, Statement } from './index-database.js';

/**
 * The console's index of the pipeline's records, in SQLite (node:sqlite, a file under the console's data directory,
 * or ':memory:') or PostgreSQL (several replicas sharing one index), through IndexDatabase: one set of statements for
 * both. One table per event kind, each row keyed by its record's position, so applying a record again (after a
 * restart, a rebalance, or another replica reading it) changes nothing. A delivery attempt and a dead letter link to the route record they
 * came from by its position (the ledger's source offset, the dead letter's __connect.errors.* headers), and a route
 * record to the message by its envelope id. Metadata only; MRNs only as their keyed hash.
 */

export interface MessageSummary {
  envelopeId: string;
  controlId: string;
  messageType: string;
  sender: string;
  listener: string;
  receivedAt: number;
  position: RecordPosition;
}

/** One ledger event of a target's copy, as the timeline shows it; `answer`: where the target's answer is kept. */
export type DeliveryAttempt = DeliveryOutcome & { answer?: RecordPosition };

/** Where one target's copy of a message stands (held: retries used up, kept trying, the patient's queue waiting). */
export type TargetState = 'delivered' | 'dead-lettered' | 'skipped' | 'held' | 'pending';

/** A sent topic's record as the index knows it: whose, which part, and the route record it belongs to. */
export type SentSummary = Omit<Extract<IndexEvent, { kind: 'sent' }>, 'kind'>;

export interface TargetTimeline {
  target: string;
  routedAt: number;
  position: RecordPosition;
  /** This copy is a replayed dead letter: the dead letter's `topic/partition/offset` ('' for the router's own copy). */
  replayOf: string;
  /** Where the mapped message as sent is kept (the adapter's sent topic); undefined when it kept none. */
  sent?: RecordPosition;
  attempts: DeliveryAttempt[];
  deadLetters: { stage: string; errorClass: string; at: number; position: RecordPosition }[];
  state: TargetState;
}

export interface MessageTimeline {
  message: MessageSummary;
  targets: TargetTimeline[];
}

/** A dead letter as the console lists it: where it is, why, and whether it was replayed and with what result. */
export interface DeadLetterSummary {
  target: string;
  envelopeId: string;
  controlId: string;
  stage: string;
  errorClass: string;
  at: number;
  position: RecordPosition;
  /** The replays' copies on the route topic and how each ended ('' while no attempt was recorded). */
  replays: { position: RecordPosition; status: string }[];
}

export interface DeadLetterQuery {
  target?: string;
  stage?: string;
  from?: number;
  to?: number;
  /** Only the ones no replay has delivered yet. */
  waiting?: boolean;
  limit?: number;
}

export type AuditEntry = Omit<Extract<IndexEvent, { kind: 'audited' }>, 'kind'>;

/** Input the gateway refused, as the quarantine list shows it (never the bytes). */
export type QuarantinedSummary = Omit<Extract<IndexEvent, { kind: 'quarantined' }>, 'kind'>;

export interface SearchQuery {
  controlId?: string;
  /** hashMrn(mrn, key): the index never sees a plain MRN. */
  mrnHash?: string;
  /** receivedAt bounds, epoch ms, inclusive. */
  from?: number;
  to?: number;
  limit?: number;
}

/** Bumped when a table changes: an index of another version is emptied and read again from the topics. */
const SCHEMA_VERSION = '4';
const TABLES = ['received', 'routed', 'deliveries', 'sent', 'dead_letters', 'quarantined', 'audit'];

/** The position columns, quoted: "offset" (and "partition") are keywords in PostgreSQL. */
const KEY = 'topic text not null, "partition" integer not null, "offset" text not null';
const PRIMARY = 'primary key (topic, "partition", "offset")';

const SCHEMA = [
  `create table if not exists received (${KEY},
    envelope_id text not null, control_id text not null, mrn_hash text not null, message_type text not null,
    sender text not null, listener text not null, received_at bigint not null, ${PRIMARY})`,
  'create index if not exists received_control_id on received (control_id, received_at)',
  'create index if not exists received_mrn_hash on received (mrn_hash, received_at)',
  'create index if not exists received_envelope_id on received (envelope_id)',
  `create table if not exists routed (${KEY},
    envelope_id text not null, control_id text not null, target text not null, at bigint not null, replay_of text not null,
    ${PRIMARY})`,
  'create index if not exists routed_envelope_id on routed (envelope_id)',
  "create index if not exists routed_replay_of on routed (replay_of) where replay_of <> ''",
  `create table if not exists deliveries (${KEY},
    target text not null, control_id text not null, mrn_hash text not null, status text not null, ack_code text not null,
    condition text not null, attempt integer not null, latency_ms bigint not null, detail text not null, at bigint not null,
    source_topic text not null, source_partition integer not null, source_offset text not null, ${PRIMARY})`,
  'create index if not exists deliveries_source on deliveries (source_topic, source_partition, source_offset)',
  'create index if not exists deliveries_target_at on deliveries (target, at)',
  `create table if not exists sent (${KEY},
    target text not null, control_id text not null, part text not null, attempt integer not null, at bigint not null,
    source_topic text not null, source_partition integer not null, source_offset text not null, ${PRIMARY})`,
  'create index if not exists sent_source on sent (source_topic, source_partition, source_offset)',
  `create table if not exists dead_letters (${KEY},
    target text not null, envelope_id text not null, control_id text not null, stage text not null,
    error_class text not null, at bigint not null,
    source_topic text not null, source_partition integer not null, source_offset text not null, ${PRIMARY})`,
  'create index if not exists dead_letters_source on dead_letters (source_topic, source_partition, source_offset)',
  'create index if not exists dead_letters_at on dead_letters (target, at)',
  `create table if not exists quarantined (${KEY},
    control_id text not null, listener text not null, code text not null, reason text not null, received_at bigint not null,
    ${PRIMARY})`,
  'create index if not exists quarantined_control_id on quarantined (control_id)',
  `create table if not exists audit (${KEY},
    audit_id text not null, at bigint not null, actor text not null, action text not null, envelope_id text not null,
    control_id text not null, target text not null, record_topic text not null, record_partition integer not null,
    record_offset text not null, reason text not null, outcome text not null, ${PRIMARY})`,
  'create index if not exists audit_at on audit (at)',
];

/** An insert that leaves an existing row alone: a record's row never changes, whoever reads it again. */
const insert = (table: string, columns: string[]) =>
  `insert into ${table} (topic, "partition", "offset", ${columns.join(', ')}) values (?, ?, ?, ${columns.map(() => '?').join(', ')})
   on conflict (topic, "partition", "offset") do nothing`;

const INSERT: Record<IndexEvent['kind'], string> = {
  received: insert('received', ['envelope_id', 'control_id', 'mrn_hash', 'message_type', 'sender', 'listener', 'received_at']),
  routed: insert('routed', ['envelope_id', 'control_id', 'target', 'at', 'replay_of']),
  delivery: insert('deliveries', [
    'target',
    'control_id',
    'mrn_hash',
    'status',
    'ack_code',
    'condition',
    'attempt',
    'latency_ms',
    'detail',
    'at',
    'source_topic',
    'source_partition',
    'source_offset',
  ]),
  sent: insert('sent', ['target', 'control_id', 'part', 'attempt', 'at', 'source_topic', 'source_partition', 'source_offset']),
  'dead-lettered': insert('dead_letters', [
    'target',
    'envelope_id',
    'control_id',
    'stage',
    'error_class',
    'at',
    'source_topic',
    'source_partition',
    'source_offset',
  ]),
  quarantined: insert('quarantined', ['control_id', 'listener', 'code', 'reason', 'received_at']),
  audited: insert('audit', [
    'audit_id',
    'at',
    'actor',
    'action',
    'envelope_id',
    'control_id',
    'target',
    'record_topic',
    'record_partition',
    'record_offset',
    'reason',
    'outcome',
  ]),
};

/** The values of an event's row, in INSERT's column order. Pure. */
function rowValues(e: IndexEvent): SqlValue[] {
  const at = [e.position.topic, e.position.partition, e.position.offset];
  switch (e.kind) {
    case 'received':
      return [...at, e.envelopeId, e.controlId, e.mrnHash, e.messageType, e.sender, e.listener, e.receivedAt];
    case 'routed':
      return [...at, e.envelopeId, e.controlId, e.target, e.at, e.replayOf];
    case 'delivery':
      return [
        ...at,
        e.target,
        e.controlId,
        e.mrnHash,
        e.status,
        e.ackCode,
        e.condition,
        e.attempt,
        e.latencyMs,
        e.detail,
        e.at,
        e.source.topic,
        e.source.partition,
        e.source.offset,
      ];
    case 'sent':
      return [...at, e.target, e.controlId, e.part, e.attempt, e.at, e.source.topic, e.source.partition, e.source.offset];
    case 'dead-lettered':
      return [...at, e.target, e.envelopeId, e.controlId, e.stage, e.errorClass, e.at, e.source.topic, e.source.partition, e.source.offset];
    case 'quarantined':
      return [...at, e.controlId, e.listener, e.code, e.reason, e.receivedAt];
    case 'audited':
      return [
        ...at,
        e.auditId,
        e.at,
        e.actor,
        e.action,
        e.envelopeId,
        e.controlId,
        e.target,
        e.topic,
        e.partition,
        e.offset,
        e.reason,
        e.outcome,
      ];
  }
}

/**
 * `select * from <table> where <the given conditions> order by <newest> desc limit ?` and its parameters: a condition
 * whose value is undefined is left out. Pure.
 */
function filtered(
  table: string,
  newest: string,
  limit: number,
  most: number,
  conditions: readonly [string, SqlValue | undefined][],
): [string, SqlValue[]] {
  const given = conditions.filter((c): c is [string, SqlValue] => c[1] !== undefined);
  const where = given.length ? `where ${given.map(([sql]) => sql).join(' and ')}` : '';
  return [`select * from ${table} ${where} order by ${newest} desc limit ?`, [...given.map(([, value]) => value), Math.min(limit, most)]];
}

const BY_SOURCE = 'source_topic = ? and source_partition = ? and source_offset = ?';

export class MessageIndex {
  private constructor(
    private readonly db: IndexDatabase,
    /**
     * Made with the index and kept in it: the index's consumer group ends with it, so a new (or emptied) index reads
     * every topic from its beginning while a restarted one — or another replica on the same PostgreSQL — goes on from
     * the group's committed offsets.
     */
    readonly generation: string,
  ) {}

  /** Opens (creating or, for another layout, emptying) the index in `db`. */
  static async open(db: IndexDatabase): Promise<MessageIndex> {
    await db.exec('create table if not exists index_meta (key text primary key, value text not null)');
    const [version] = await db.all("select value from index_meta where key = 'schema'");
    if (version?.['value'] !== SCHEMA_VERSION) {
      await db.transaction([
        ...TABLES.map((table): Statement => [`drop table if exists ${table}`, []]),
        ["delete from index_meta where key in ('generation', 'schema')", []],
        ["insert into index_meta (key, value) values ('schema', ?)", [SCHEMA_VERSION]],
      ]);
    }
    for (const statement of SCHEMA) await db.exec(statement);
    await db.all('insert into index_meta (key, value) values (?, ?) on conflict (key) do nothing', [
      'generation',
      crypto.randomUUID().slice(0, 8),
    ]);
    const [generation] = await db.all("select value from index_meta where key = 'generation'");
    return new MessageIndex(db, String(generation!['value']));
  }

  /** Applies events in one transaction: all of a fetched batch or none. */
  async apply(events: readonly IndexEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.transaction(events.map((event): Statement => [INSERT[event.kind], rowValues(event)]));
  }

  /** Messages received, newest first, by control ID and/or MRN hash within a time range (indexed lookups). */
  async search(query: SearchQuery): Promise<MessageSummary[]> {
    const [sql, params] = filtered('received', 'received_at', query.limit ?? 100, 1000, [
      ['control_id = ?', query.controlId],
      ['mrn_hash = ?', query.mrnHash],
      ['received_at >= ?', query.from],
      ['received_at <= ?', query.to],
    ]);
    return (await this.db.all(sql, params)).map(summaryOf);
  }

  /** One message's way through the pipeline: where it was stored, each target it was routed to, each attempt, the end. */
  async timeline(envelopeId: string): Promise<MessageTimeline | undefined> {
    const [received] = await this.db.all('select * from received where envelope_id = ? order by received_at limit 1', [envelopeId]);
    if (!received) return undefined;
    const routes = await this.db.all('select * from routed where envelope_id = ? order by at, target', [envelopeId]);
    const targets = await Promise.all(
      routes.map(async (route): Promise<TargetTimeline> => {
        const source = [String(route['topic']), Number(route['partition']), String(route['offset'])];
        const ledger = (await this.db.all(`select * from deliveries where ${BY_SOURCE} order by at, "offset"`, source)).map(attemptOf);
        const sent = await this.db.all(`select * from sent where ${BY_SOURCE} order by "partition", "offset"`, source);
        const attempts = withAnswers(
          ledger,
          sent.filter((k) => k['part'] === 'ack'),
        );
        const message = sent.find((k) => k['part'] === 'message');
        const deadLetters = (await this.db.all(`select * from dead_letters where ${BY_SOURCE} order by at`, source)).map((d) => ({
          stage: String(d['stage']),
          errorClass: String(d['error_class']),
          at: Number(d['at']),
          position: positionOf(d),
        }));
        return {
          target: String(route['target']),
          routedAt: Number(route['at']),
          position: positionOf(route),
          replayOf: String(route['replay_of']),
          ...(message ? { sent: positionOf(message) } : {}),
          attempts,
          deadLetters,
          state: stateOf(attempts, deadLetters.length),
        };
      }),
    );
    return { message: summaryOf(received), targets };
  }

  /**
   * A sent topic's record, only if it belongs to a copy of the message `envelopeId` (its route record is that
   * message's): what the console may show as that message's content, and nothing else.
   */
  async sentOf(envelopeId: string, position: RecordPosition): Promise<SentSummary | undefined> {
    const [k] = await this.db.all(
      `select s.* from sent s join routed r
         on r.topic = s.source_topic and r."partition" = s.source_partition and r."offset" = s.source_offset
       where s.topic = ? and s."partition" = ? and s."offset" = ? and r.envelope_id = ?`,
      [position.topic, position.partition, position.offset, envelopeId],
    );
    return (
      k && {
        position: positionOf(k),
        target: String(k['target']),
        controlId: String(k['control_id']),
        part: String(k['part']) as SentSummary['part'],
        attempt: Number(k['attempt']),
        at: Number(k['at']),
        source: { topic: String(k['source_topic']), partition: Number(k['source_partition']), offset: String(k['source_offset']) },
      }
    );
  }

  /** Dead letters, newest first, by target, stage and time; with what became of their replays. */
  async deadLetters(query: DeadLetterQuery): Promise<DeadLetterSummary[]> {
    const rows = await this.db.all(
      ...filtered('dead_letters', 'at', query.limit ?? 200, 2000, [
        ['target = ?', query.target],
        ['stage = ?', query.stage],
        ['at >= ?', query.from],
        ['at <= ?', query.to],
      ]),
    );
    const summaries = await Promise.all(
      rows.map(async (d): Promise<DeadLetterSummary> => {
        const position = positionOf(d);
        const replays = await this.db.all(
          `select r.topic, r."partition", r."offset",
             (select d.status from deliveries d where d.source_topic = r.topic and d.source_partition = r."partition"
                and d.source_offset = r."offset" order by d.at desc, d."offset" desc limit 1) as status
           from routed r where r.replay_of = ? order by r.at`,
          [positionText(position)],
        );
        return {
          ...deadLetterOf(d),
          replays: replays.map((r) => ({ position: positionOf(r), status: r['status'] === null ? '' : String(r['status']) })),
        };
      }),
    );
    return query.waiting ? summaries.filter((d) => !d.replays.some((r) => r.status === 'ACKED')) : summaries;
  }

  /** A target's delivery activity since `since` (epoch ms): copies delivered, and its latest attempt of all. */
  async deliveryActivity(target: string, since: number): Promise<{ delivered: number; lastAttempt: DeliveryAttempt | undefined }> {
    const [delivered] = await this.db.all("select count(*) as n from deliveries where target = ? and at >= ? and status = 'ACKED'", [
      target,
      since,
    ]);
    const [last] = await this.db.all('select * from deliveries where target = ? order by at desc, "offset" desc limit 1', [target]);
    return { delivered: Number(delivered!['n']), lastAttempt: last && attemptOf(last) };
  }

  /** How many of a target's dead letters no replay has delivered yet. */
  async deadLettersWaiting(target: string): Promise<number> {
    const [row] = await this.db.all(
      `select count(*) as n from dead_letters l where l.target = ? and not exists (
         select 1 from routed r join deliveries d
           on d.source_topic = r.topic and d.source_partition = r."partition" and d.source_offset = r."offset"
         where r.replay_of = l.topic || '/' || l."partition" || '/' || l."offset" and d.status = 'ACKED')`,
      [target],
    );
    return Number(row!['n']);
  }

  /** The dead letter at a position, if the index has it. */
  async deadLetterAt(position: RecordPosition): Promise<Omit<DeadLetterSummary, 'replays'> | undefined> {
    const [d] = await this.db.all('select * from dead_letters where topic = ? and "partition" = ? and "offset" = ?', [
      position.topic,
      position.partition,
      position.offset,
    ]);
    return d && deadLetterOf(d);
  }

  /** Quarantined input, newest first, by error code and time. */
  async quarantined(query: { code?: string; from?: number; to?: number; limit?: number } = {}): Promise<QuarantinedSummary[]> {
    const rows = await this.db.all(
      ...filtered('quarantined', 'received_at', query.limit ?? 200, 2000, [
        ['code = ?', query.code],
        ['received_at >= ?', query.from],
        ['received_at <= ?', query.to],
      ]),
    );
    return rows.map(quarantinedOf);
  }

  async quarantinedAt(position: RecordPosition): Promise<QuarantinedSummary | undefined> {
    const [q] = await this.db.all('select * from quarantined where topic = ? and "partition" = ? and "offset" = ?', [
      position.topic,
      position.partition,
      position.offset,
    ]);
    return q && quarantinedOf(q);
  }

  /** The audit log, newest first. */
  async auditLog(query: { from?: number; to?: number; limit?: number } = {}): Promise<AuditEntry[]> {
    const rows = await this.db.all(
      ...filtered('audit', 'at', query.limit ?? 200, 2000, [
        ['at >= ?', query.from],
        ['at <= ?', query.to],
      ]),
    );
    return rows.map((a) => ({
      position: positionOf(a),
      auditId: String(a['audit_id']),
      at: Number(a['at']),
      actor: String(a['actor']),
      action: String(a['action']) as AuditEntry['action'],
      envelopeId: String(a['envelope_id']),
      controlId: String(a['control_id']),
      target: String(a['target']),
      topic: String(a['record_topic']),
      partition: Number(a['record_partition']),
      offset: String(a['record_offset']),
      reason: String(a['reason']),
      outcome: String(a['outcome']),
    }));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

function positionOf(row: Row): RecordPosition {
  return { topic: String(row['topic']), partition: Number(row['partition']), offset: String(row['offset']) };
}

function summaryOf(row: Row): MessageSummary {
  return {
    envelopeId: String(row['envelope_id']),
    controlId: String(row['control_id']),
    messageType: String(row['message_type']),
    sender: String(row['sender']),
    listener: String(row['listener']),
    receivedAt: Number(row['received_at']),
    position: positionOf(row),
  };
}

function attemptOf(d: Row): DeliveryAttempt {
  return {
    status: String(d['status']) as DeliveryAttempt['status'],
    ackCode: String(d['ack_code']),
    condition: String(d['condition']),
    attempt: Number(d['attempt']),
    latencyMs: Number(d['latency_ms']),
    detail: String(d['detail']),
    at: Number(d['at']),
  };
}

function quarantinedOf(q: Row): QuarantinedSummary {
  return {
    position: positionOf(q),
    controlId: String(q['control_id']),
    listener: String(q['listener']),
    code: String(q['code']),
    reason: String(q['reason']),
    receivedAt: Number(q['received_at']),
  };
}

function deadLetterOf(d: Row): Omit<DeadLetterSummary, 'replays'> {
  return {
    target: String(d['target']),
    envelopeId: String(d['envelope_id']),
    controlId: String(d['control_id']),
    stage: String(d['stage']),
    errorClass: String(d['error_class']),
    at: Number(d['at']),
    position: positionOf(d),
  };
}

/** Attempts that sent something and got no answer: nothing to pair with a kept answer. */
const UNANSWERED = new Set(['timeout', 'connection']);

/**
 * Pairs each attempt that got an answer with the kept answer of that attempt number, in the order both were written
 * (a record delivered twice, after a rebalance, numbers its attempts from 1 again). Pure.
 */
function withAnswers(attempts: DeliveryAttempt[], answers: readonly Row[]): DeliveryAttempt[] {
  const byAttempt = new Map<number, RecordPosition[]>();
  for (const a of answers) {
    const n = Number(a['attempt']);
    byAttempt.set(n, [...(byAttempt.get(n) ?? []), positionOf(a)]);
  }
  return attempts.map((a) => {
    if (a.attempt === 0 || UNANSWERED.has(a.condition)) return a;
    const answer = byAttempt.get(a.attempt)?.shift();
    return answer ? { ...a, answer } : a;
  });
}

/** The last word wins: a replayed dead letter that was then ACKED is delivered. */
function stateOf(attempts: readonly DeliveryAttempt[], deadLetters: number): TargetState {
  const last = attempts.at(-1);
  if (last?.status === 'ACKED') return 'delivered';
  if (last?.status === 'SKIPPED') return 'skipped';
  if (last?.status === 'HELD') return 'held';
  if (last?.status === 'DEAD' || (deadLetters > 0 && !last)) return 'dead-lettered';
  return 'pending';
}

import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { type DeliveryOutcome, type IndexEvent, positionText, type RecordPosition } from './index-events.js';

/**
 * The console's index of the pipeline's records, in SQLite (node:sqlite, a file under the console's data directory,
 * or ':memory:'): one table per event kind, each row keyed by its record's position, so applying a record again
 * (after a restart, a rebalance) changes nothing. A delivery attempt and a dead letter link to the route record they
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

/** One ledger event of a target's copy, as the timeline shows it. */
export type DeliveryAttempt = DeliveryOutcome;

/** Where one target's copy of a message stands. */
export type TargetState = 'delivered' | 'dead-lettered' | 'skipped' | 'pending';

export interface TargetTimeline {
  target: string;
  routedAt: number;
  position: RecordPosition;
  /** This copy is a replayed dead letter: the dead letter's `topic/partition/offset` ('' for the router's own copy). */
  replayOf: string;
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

export interface SearchQuery {
  controlId?: string;
  /** hashMrn(mrn, key): the index never sees a plain MRN. */
  mrnHash?: string;
  /** receivedAt bounds, epoch ms, inclusive. */
  from?: number;
  to?: number;
  limit?: number;
}

/** Bumped when a table changes: an index file of another version is emptied and read again from the topics. */
const SCHEMA_VERSION = '2';
const TABLES = ['received', 'routed', 'deliveries', 'dead_letters', 'quarantined', 'audit'];

const SCHEMA = `
create table if not exists index_meta (key text primary key, value text not null);
create table if not exists received (
  topic text not null, partition integer not null, offset text not null,
  envelope_id text not null, control_id text not null, mrn_hash text not null, message_type text not null,
  sender text not null, listener text not null, received_at integer not null,
  primary key (topic, partition, offset));
create index if not exists received_control_id on received (control_id, received_at);
create index if not exists received_mrn_hash on received (mrn_hash, received_at);
create index if not exists received_envelope_id on received (envelope_id);
create table if not exists routed (
  topic text not null, partition integer not null, offset text not null,
  envelope_id text not null, control_id text not null, target text not null, at integer not null, replay_of text not null,
  primary key (topic, partition, offset));
create index if not exists routed_envelope_id on routed (envelope_id);
create index if not exists routed_replay_of on routed (replay_of) where replay_of != '';
create table if not exists deliveries (
  topic text not null, partition integer not null, offset text not null,
  target text not null, control_id text not null, mrn_hash text not null, status text not null, ack_code text not null,
  condition text not null, attempt integer not null, latency_ms integer not null, detail text not null, at integer not null,
  source_topic text not null, source_partition integer not null, source_offset text not null,
  primary key (topic, partition, offset));
create index if not exists deliveries_source on deliveries (source_topic, source_partition, source_offset);
create index if not exists deliveries_target_at on deliveries (target, at);
create table if not exists dead_letters (
  topic text not null, partition integer not null, offset text not null,
  target text not null, envelope_id text not null, control_id text not null, stage text not null,
  error_class text not null, at integer not null,
  source_topic text not null, source_partition integer not null, source_offset text not null,
  primary key (topic, partition, offset));
create index if not exists dead_letters_source on dead_letters (source_topic, source_partition, source_offset);
create table if not exists quarantined (
  topic text not null, partition integer not null, offset text not null,
  control_id text not null, listener text not null, code text not null, reason text not null, received_at integer not null,
  primary key (topic, partition, offset));
create index if not exists quarantined_control_id on quarantined (control_id);
create index if not exists dead_letters_at on dead_letters (target, at);
create table if not exists audit (
  topic text not null, partition integer not null, offset text not null,
  audit_id text not null, at integer not null, actor text not null, action text not null, envelope_id text not null,
  control_id text not null, target text not null, record_topic text not null, record_partition integer not null,
  record_offset text not null, reason text not null, outcome text not null,
  primary key (topic, partition, offset));
create index if not exists audit_at on audit (at);
`;

type Row = Record<string, string | number | null>;

export class MessageIndex {
  private readonly db: DatabaseSync;
  private readonly insert: Record<IndexEvent['kind'], StatementSync>;
  /**
   * Made with the file and kept in it: the index's consumer group ends with it, so a new (or deleted and recreated)
   * index reads every topic from its beginning while a restarted one goes on from its committed offsets.
   */
  readonly generation: string;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec('pragma journal_mode = wal; pragma synchronous = normal;');
    this.db.exec('create table if not exists index_meta (key text primary key, value text not null);');
    const version = this.db.prepare("select value from index_meta where key = 'schema'").get() as Row | undefined;
    if (version?.['value'] !== SCHEMA_VERSION) {
      // Another layout (or a new file): start empty under a new generation, so the index is read again from the topics.
      for (const table of TABLES) this.db.exec(`drop table if exists ${table}`);
      this.db.exec("delete from index_meta where key in ('generation', 'schema')");
      this.db.prepare("insert into index_meta (key, value) values ('schema', ?)").run(SCHEMA_VERSION);
    }
    this.db.exec(SCHEMA);
    this.db.prepare('insert or ignore into index_meta (key, value) values (?, ?)').run('generation', crypto.randomUUID().slice(0, 8));
    this.generation = String((this.db.prepare("select value from index_meta where key = 'generation'").get() as Row)['value']);
    const upsert = (table: string, columns: string[]) =>
      this.db.prepare(
        `insert or replace into ${table} (topic, partition, offset, ${columns.join(', ')}) values (?, ?, ?, ${columns.map(() => '?').join(', ')})`,
      );
    this.insert = {
      received: upsert('received', ['envelope_id', 'control_id', 'mrn_hash', 'message_type', 'sender', 'listener', 'received_at']),
      routed: upsert('routed', ['envelope_id', 'control_id', 'target', 'at', 'replay_of']),
      delivery: upsert('deliveries', [
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
      'dead-lettered': upsert('dead_letters', [
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
      quarantined: upsert('quarantined', ['control_id', 'listener', 'code', 'reason', 'received_at']),
      audited: upsert('audit', [
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
  }

  /** Applies events in one transaction: all of a fetched batch or none. */
  apply(events: readonly IndexEvent[]): void {
    if (events.length === 0) return;
    this.db.exec('begin');
    try {
      for (const event of events) this.applyOne(event);
      this.db.exec('commit');
    } catch (error) {
      this.db.exec('rollback');
      throw error;
    }
  }

  private applyOne(e: IndexEvent): void {
    const at = [e.position.topic, e.position.partition, e.position.offset] as const;
    switch (e.kind) {
      case 'received':
        this.insert.received.run(...at, e.envelopeId, e.controlId, e.mrnHash, e.messageType, e.sender, e.listener, e.receivedAt);
        return;
      case 'routed':
        this.insert.routed.run(...at, e.envelopeId, e.controlId, e.target, e.at, e.replayOf);
        return;
      case 'delivery':
        this.insert.delivery.run(
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
        );
        return;
      case 'dead-lettered':
        this.insert['dead-lettered'].run(
          ...at,
          e.target,
          e.envelopeId,
          e.controlId,
          e.stage,
          e.errorClass,
          e.at,
          e.source.topic,
          e.source.partition,
          e.source.offset,
        );
        return;
      case 'quarantined':
        this.insert.quarantined.run(...at, e.controlId, e.listener, e.code, e.reason, e.receivedAt);
        return;
      case 'audited':
        this.insert.audited.run(
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
        );
        return;
    }
  }

  /** Messages received, newest first, by control ID and/or MRN hash within a time range (indexed lookups). */
  search(query: SearchQuery): MessageSummary[] {
    const conditions: [string, string | number | undefined][] = [
      ['control_id = ?', query.controlId],
      ['mrn_hash = ?', query.mrnHash],
      ['received_at >= ?', query.from],
      ['received_at <= ?', query.to],
    ];
    const given = conditions.filter((c): c is [string, string | number] => c[1] !== undefined);
    const where = given.map(([sql]) => sql);
    const values = given.map(([, value]) => value);
    const sql = `select * from received ${where.length ? `where ${where.join(' and ')}` : ''} order by received_at desc limit ?`;
    return (this.db.prepare(sql).all(...values, Math.min(query.limit ?? 100, 1000)) as Row[]).map(summaryOf);
  }

  /** One message's way through the pipeline: where it was stored, each target it was routed to, each attempt, the end. */
  timeline(envelopeId: string): MessageTimeline | undefined {
    const received = this.db.prepare('select * from received where envelope_id = ? order by received_at limit 1').get(envelopeId) as
      Row | undefined;
    if (!received) return undefined;
    const routes = this.db.prepare('select * from routed where envelope_id = ? order by at, target').all(envelopeId) as Row[];
    const attemptsOf = this.db.prepare(
      'select * from deliveries where source_topic = ? and source_partition = ? and source_offset = ? order by at, offset',
    );
    const deadLettersOf = this.db.prepare(
      'select * from dead_letters where source_topic = ? and source_partition = ? and source_offset = ? order by at',
    );
    const targets = routes.map((route): TargetTimeline => {
      const source = [String(route['topic']), Number(route['partition']), String(route['offset'])] as const;
      const attempts = (attemptsOf.all(...source) as Row[]).map((d): DeliveryAttempt => ({
        status: String(d['status']) as DeliveryAttempt['status'],
        ackCode: String(d['ack_code']),
        condition: String(d['condition']),
        attempt: Number(d['attempt']),
        latencyMs: Number(d['latency_ms']),
        detail: String(d['detail']),
        at: Number(d['at']),
      }));
      const deadLetters = (deadLettersOf.all(...source) as Row[]).map((d) => ({
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
        attempts,
        deadLetters,
        state: stateOf(attempts, deadLetters.length),
      };
    });
    return { message: summaryOf(received), targets };
  }

  /** Dead letters, newest first, by target, stage and time; with what became of their replays. */
  deadLetters(query: DeadLetterQuery): DeadLetterSummary[] {
    const conditions: [string, string | number | undefined][] = [
      ['target = ?', query.target],
      ['stage = ?', query.stage],
      ['at >= ?', query.from],
      ['at <= ?', query.to],
    ];
    const given = conditions.filter((c): c is [string, string | number] => c[1] !== undefined);
    const where = given.map(([sql]) => sql).join(' and ');
    const rows = this.db
      .prepare(`select * from dead_letters ${where ? `where ${where}` : ''} order by at desc limit ?`)
      .all(...given.map(([, v]) => v), Math.min(query.limit ?? 200, 2000)) as Row[];
    const replaysOf = this.db.prepare(
      `select r.topic, r.partition, r.offset,
         (select d.status from deliveries d where d.source_topic = r.topic and d.source_partition = r.partition
            and d.source_offset = r.offset order by d.at desc, d.offset desc limit 1) as status
       from routed r where r.replay_of = ? order by r.at`,
    );
    const summaries = rows.map((d): DeadLetterSummary => {
      const position = positionOf(d);
      const replays = (replaysOf.all(positionText(position)) as Row[]).map((r) => ({
        position: positionOf(r),
        status: r['status'] === null ? '' : String(r['status']),
      }));
      return {
        target: String(d['target']),
        envelopeId: String(d['envelope_id']),
        controlId: String(d['control_id']),
        stage: String(d['stage']),
        errorClass: String(d['error_class']),
        at: Number(d['at']),
        position,
        replays,
      };
    });
    return query.waiting ? summaries.filter((d) => !d.replays.some((r) => r.status === 'ACKED')) : summaries;
  }

  /** A target's delivery activity since `since` (epoch ms): copies delivered, and its latest attempt of all. */
  deliveryActivity(target: string, since: number): { delivered: number; lastAttempt: DeliveryAttempt | undefined } {
    const delivered = this.db
      .prepare("select count(*) as n from deliveries where target = ? and at >= ? and status = 'ACKED'")
      .get(target, since) as Row;
    const last = this.db.prepare('select * from deliveries where target = ? order by at desc, offset desc limit 1').get(target) as
      Row | undefined;
    return {
      delivered: Number(delivered['n']),
      lastAttempt: last && {
        status: String(last['status']) as DeliveryAttempt['status'],
        ackCode: String(last['ack_code']),
        condition: String(last['condition']),
        attempt: Number(last['attempt']),
        latencyMs: Number(last['latency_ms']),
        detail: String(last['detail']),
        at: Number(last['at']),
      },
    };
  }

  /** How many of a target's dead letters no replay has delivered yet. */
  deadLettersWaiting(target: string): number {
    const row = this.db
      .prepare(
        `select count(*) as n from dead_letters l where l.target = ? and not exists (
           select 1 from routed r join deliveries d
             on d.source_topic = r.topic and d.source_partition = r.partition and d.source_offset = r.offset
           where r.replay_of = l.topic || '/' || l.partition || '/' || l.offset and d.status = 'ACKED')`,
      )
      .get(target) as Row;
    return Number(row['n']);
  }

  /** The dead letter at a position, if the index has it. */
  deadLetterAt(position: RecordPosition): Omit<DeadLetterSummary, 'replays'> | undefined {
    const d = this.db
      .prepare('select * from dead_letters where topic = ? and partition = ? and offset = ?')
      .get(position.topic, position.partition, position.offset) as Row | undefined;
    if (!d) return undefined;
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

  /** The audit log, newest first. */
  auditLog(query: { from?: number; to?: number; limit?: number } = {}): AuditEntry[] {
    const rows = this.db
      .prepare('select * from audit where at >= ? and at <= ? order by at desc limit ?')
      .all(query.from ?? 0, query.to ?? Number.MAX_SAFE_INTEGER, Math.min(query.limit ?? 200, 2000)) as Row[];
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

  close(): void {
    this.db.close();
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

/** The last word wins: a replayed dead letter that was then ACKED is delivered. */
function stateOf(attempts: readonly DeliveryAttempt[], deadLetters: number): TargetState {
  const last = attempts.at(-1);
  if (last?.status === 'ACKED') return 'delivered';
  if (last?.status === 'SKIPPED') return 'skipped';
  if (last?.status === 'DEAD' || (deadLetters > 0 && !last)) return 'dead-lettered';
  return 'pending';
}

import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;
/** A statement and its parameters. */
export type Statement = readonly [sql: string, params: readonly SqlValue[]];

/**
 * The little the message index needs of a SQL database, so one set of statements (written with `?` placeholders and
 * SQL both engines speak) serves the embedded SQLite file and PostgreSQL. Rows come back with bigint columns as
 * numbers (epoch milliseconds fit).
 */
export interface IndexDatabase {
  readonly engine: 'sqlite' | 'postgres';
  exec(sql: string): Promise<void>;
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs the statements in one transaction: all of them or none. */
  transaction(statements: readonly Statement[]): Promise<void>;
  close(): Promise<void>;
}

/** node:sqlite: a file under the console's data directory (or ':memory:'). Statements are prepared once and reused. */
export class SqliteDatabase implements IndexDatabase {
  readonly engine = 'sqlite';
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec('pragma journal_mode = wal; pragma synchronous = normal;');
  }

  private prepared(sql: string) {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  async exec(sql: string): Promise<void> {
    this.db.exec(sql);
  }

  async all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.prepared(sql).all(...params) as Row[];
  }

  async transaction(statements: readonly Statement[]): Promise<void> {
    this.db.exec('begin');
    try {
      // Synchronously, in one go: node:sqlite is synchronous, and a promise per row cost a third of the indexer's time.
      for (const [sql, params] of statements) this.prepared(sql).run(...params);
      this.db.exec('commit');
    } catch (error) {
      this.db.exec('rollback');
      throw error;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** `?` placeholders → `$1, $2, …` (the statements hold no `?` inside literals). */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** PostgreSQL through a `pg` pool: for several console replicas sharing one index. */
export class PostgresDatabase implements IndexDatabase {
  readonly engine = 'postgres';
  private readonly pool: pg.Pool;

  constructor(url: string) {
    const types = {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    };
    this.pool = new pg.Pool({ connectionString: url, max: 4, types });
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return (await this.pool.query({ text: numbered(sql), values: [...params] })).rows as Row[];
  }

  async transaction(statements: readonly Statement[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      for (const [sql, params] of statements) await client.query({ text: numbered(sql), values: [...params] });
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

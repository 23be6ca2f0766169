import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { projectTool } from './project-tool.js';

/** The URL of a local PostgreSQL (INDEX_TEST_DATABASE_URL, else the one scripts/lib/postgres.sh starts on first use). */
export function ensurePostgres(): string {
  if (process.env['INDEX_TEST_DATABASE_URL']) return process.env['INDEX_TEST_DATABASE_URL'];
  const url = projectTool('postgres.sh', 'hl7r_ensure_postgres');
  process.env['INDEX_TEST_DATABASE_URL'] = url;
  return url;
}

/** A new, empty database on that server (each test its own); returns its URL. */
export async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `hl7r_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}

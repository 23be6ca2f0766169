// The index's store contract on a real PostgreSQL (Debian's, started by scripts/lib/postgres.sh): the same statements
// as the SQLite file, each test on a database of its own. And two stores on one database — two console replicas —
// share one index and one generation.
import { expect, it } from '@jest/globals';
import { ensurePostgres, freshDatabase } from '../../../../test/support/postgres.js';
import { PostgresDatabase } from './index-database.js';
import { describeMessageIndex, envelope, KEY } from './message-index.contract.js';
import { receivedEvent } from './index-events.js';
import { record } from './message-index.contract.js';
import { MessageIndex } from './message-index.js';

const server = ensurePostgres();
describeMessageIndex('PostgreSQL', async () => MessageIndex.open(new PostgresDatabase(await freshDatabase(server))));

it('lets two replicas share one index on one database: one generation, each sees what the other applied', async () => {
  const url = await freshDatabase(server);
  const [first, second] = [await MessageIndex.open(new PostgresDatabase(url)), await MessageIndex.open(new PostgresDatabase(url))];
  try {
    expect(second.generation).toBe(first.generation);
    await first.apply([receivedEvent(record('hl7.adt.v1', 7), envelope, KEY)]);
    await second.apply([receivedEvent(record('hl7.adt.v1', 7), envelope, KEY)]);
    expect(await second.search({ controlId: 'CTL-1' })).toEqual(await first.search({ controlId: 'CTL-1' }));
    expect(await first.search({})).toHaveLength(1);
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
});

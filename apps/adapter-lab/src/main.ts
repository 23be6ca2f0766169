// Entry point of adapter-lab. Not built yet: issue #5 turns this shell into the app.
import { createLogger } from '@lib/platform';

const log = createLogger({ app: 'adapter-lab' });
log.error('adapter-lab is not implemented yet (issue #5)');
process.exitCode = 1;

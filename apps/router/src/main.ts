// Entry point of router. Not built yet: issue #4 turns this shell into the app.
import { createLogger } from '@lib/platform';

const log = createLogger({ app: 'router' });
log.error('router is not implemented yet (issue #4)');
process.exitCode = 1;

// Entry point of adapter-radiology. Not built yet: issue #5 turns this shell into the app.
import { createLogger } from '@lib/platform';

const log = createLogger({ app: 'adapter-radiology' });
log.error('adapter-radiology is not implemented yet (issue #5)');
process.exitCode = 1;

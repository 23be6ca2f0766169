// Entry point of mllp-gateway. Not built yet: issue #3 turns this shell into the app.
import { createLogger } from '@lib/platform';

const log = createLogger({ app: 'mllp-gateway' });
log.error('mllp-gateway is not implemented yet (issue #3)');
process.exitCode = 1;

// Integration tests wait on a real broker (group joins take seconds); a hung test still fails, after a minute.
import { jest } from '@jest/globals';

jest.setTimeout(60000);

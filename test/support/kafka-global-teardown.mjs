export { globalTeardown as default } from './kafka-global-setup.mjs';

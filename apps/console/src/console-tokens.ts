/** Nest injection tokens of the console's values and of its services built by the module's factories. */
export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');
export const CONSOLE_LOG = Symbol('CONSOLE_LOG');
export const CONSOLE_KAFKA = Symbol('CONSOLE_KAFKA');
export const AUDIT_TRAIL = Symbol('AUDIT_TRAIL');
export const MESSAGE_CONTENT = Symbol('MESSAGE_CONTENT');
export const DEAD_LETTER_REPLAYS = Symbol('DEAD_LETTER_REPLAYS');
export const PIPELINE_STATUS = Symbol('PIPELINE_STATUS');
export const QUARANTINE_RELEASES = Symbol('QUARANTINE_RELEASES');

/** Nest injection tokens of the console's values (config and logger are values, not classes). */
export const CONSOLE_CONFIG = Symbol('CONSOLE_CONFIG');
export const CONSOLE_LOG = Symbol('CONSOLE_LOG');

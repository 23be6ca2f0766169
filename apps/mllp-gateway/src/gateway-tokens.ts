/** Injection tokens of the gateway's module: its validated configuration and its logger. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const GATEWAY_LOG = Symbol('GATEWAY_LOG');

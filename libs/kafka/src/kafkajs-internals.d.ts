// kafkajs modules we reach into (kafkajs 2.2.4 ships types for its public API only).
declare module 'kafkajs/src/network/requestQueue/index.js' {
  const RequestQueue: new (options: {
    maxInFlightRequests: number | null;
    requestTimeout: number;
    enforceRequestTimeout: boolean;
    clientId: string;
    broker: string;
    logger: unknown;
    isConnected?: () => boolean;
  }) => unknown;
  export default RequestQueue;
}

declare module 'kafkajs/src/cluster/index.js' {
  const Cluster: new (...args: unknown[]) => unknown;
  export default Cluster;
}

declare module 'kafkajs/src/protocol/error.js' {
  export function createErrorFromCode(code: number): Error & { type: string; retriable: boolean };
}

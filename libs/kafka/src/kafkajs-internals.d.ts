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

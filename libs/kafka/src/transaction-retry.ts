/** 2 ms: one producer's transactions per second 41 → 178 against 20 ms (bench/router/transaction-requests.mjs). */
const CONCURRENT_RETRY_MS = 2;

/** How many times transactionRetryDelayMs is retried by its users before a batch fails as retriable. */
export const TRANSACTION_RETRIES = 15;

/**
 * Retry delays for the retries of one transactional request. CONCURRENT_TRANSACTIONS — a transaction's first request
 * (AddPartitionsToTxn, or AddOffsetsToTxn when the offsets go first) arriving while the broker still writes the
 * previous commit's markers, a few milliseconds on a healthy broker — is retried after CONCURRENT_RETRY_MS, doubling;
 * anything else after 20 ms, doubling. Both up to 1 s; TRANSACTION_RETRIES retries (6–15 s), then the batch fails as
 * retriable and the router reads it again with a new producer.
 */
export function transactionRetryDelayMs(attempt: number, errorType?: string): number {
  const first = errorType === 'CONCURRENT_TRANSACTIONS' ? CONCURRENT_RETRY_MS : 20;
  return Math.min(first * 2 ** Math.max(0, attempt - 1), 1000);
}

/**
 * Base of the errors the adapter SDK throws: a stable `code`, whether trying again may help (`retriable`), and a
 * message that names fields, tables and offsets, never message content (it goes to the ledger and DLQ headers).
 */
export abstract class AdapterError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

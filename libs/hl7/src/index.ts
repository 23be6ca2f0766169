// HL7 v2 message model, parse, encode, escapes, charsets and ACK builders (pure). Filled in by issue #3.
export {};

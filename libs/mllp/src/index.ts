// MLLP frame decoder/encoder (pure), server and client. Filled in by issue #3.
export {};

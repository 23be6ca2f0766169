// defineAdapter, delivery with ACK tracking, pod runner, Lambda handlers, golden-file harness. Filled in by issue #5.
export {};

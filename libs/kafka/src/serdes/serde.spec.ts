import { describe, expect, it } from '@jest/globals';
import { jsonSerde, stringSerde } from './serde.js';

describe('stringSerde', () => {
  it.each([
    ['ascii', 'ADT^A01'],
    ['latin-1 letters', 'Müller^Zoë'],
    ['empty', ''],
  ])('round-trips %s as UTF-8', (_name, value) => {
    const bytes = stringSerde.serialize(value) as Buffer;
    expect(bytes.equals(Buffer.from(value, 'utf8'))).toBe(true);
    expect(stringSerde.deserialize(bytes)).toBe(value);
  });
});

describe('jsonSerde', () => {
  it('round-trips nested values', () => {
    const serde = jsonSerde<{ mrn: string; visits: number[] }>();
    const value = { mrn: '12345', visits: [1, 2] };
    expect(serde.deserialize(serde.serialize(value) as Buffer)).toEqual(value);
  });

  it('throws on bytes that are not JSON', () => {
    expect(() => jsonSerde().deserialize(Buffer.from('{not json'))).toThrow(SyntaxError);
  });
});

import { describe, expect, it } from '@jest/globals';
import { parseMllpUrl } from './mllp-url.js';

describe('parseMllpUrl', () => {
  it.each([
    ['plain', 'mllp://lis.example.internal:2575', { host: 'lis.example.internal', port: 2575, tls: false }],
    ['TLS', 'mllps://10.0.0.5:6661', { host: '10.0.0.5', port: 6661, tls: true }],
    ['IPv6 in brackets, trailing slash, spaces', '  mllp://[::1]:2575/ ', { host: '::1', port: 2575, tls: false }],
    ['no port', 'mllp://lis', undefined],
    ['port 0', 'mllp://lis:0', undefined],
    ['port above 65535', 'mllp://lis:70000', undefined],
    ['another scheme', 'http://lis:2575', undefined],
    ['a path', 'mllp://lis:2575/x', undefined],
    ['empty', '', undefined],
  ])('%s', (_name, text, expected) => {
    expect(parseMllpUrl(text)).toEqual(expected);
  });
});

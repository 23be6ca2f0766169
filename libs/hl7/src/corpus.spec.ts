// Every real-world message in test/fixtures/hl7/public (see its MANIFEST.md): split, decode per MSH-18, parse.
// Well-formed ones must parse and re-encode to their exact bytes; malformed ones must fail with the HL7 error
// code a receiver should report.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { decodeMessageBytes, encodeText, Hl7ParseError, parseMessage, peekMessageType, readHeader, splitFrame } from './index.js';

const root = new URL('../../../test/fixtures/hl7/public/', import.meta.url).pathname;
const files = readdirSync(root)
  .filter((dir) => statSync(join(root, dir)).isDirectory())
  .flatMap((dir) => readdirSync(join(root, dir)).map((f) => `${dir}/${f}`))
  .sort();

/** Files that must be refused, with the table 0357 code (and where the refusal happens). */
const REFUSED: Record<string, { code: string; stage: 'split' | 'parse' }> = {
  'hapi-hl7v2/adt-a01-v25-utf8-bad-msh2-malformed.hl7': { code: '102', stage: 'parse' },
  'hapi-hl7v2/bar-p01-msh2-three-chars-malformed.hl7': { code: '102', stage: 'parse' },
  'hapi-hl7v2/oru-r01-v23-invalid-segment-name-zlr-crlf.hl7': { code: '100', stage: 'parse' },
  'hapi-hl7v2/oru-r01-v24-msh2-three-chars-malformed-crlf.hl7': { code: '102', stage: 'parse' },
  'hl7apy/malformed-msh2-duplicate-encoding-chars.hl7': { code: '102', stage: 'parse' },
  'nhapi/fuzz-binary-high-bytes-in-msh2.hl7': { code: '102', stage: 'parse' },
  'nhapi/fuzz-empty-file-0-bytes.hl7': { code: '100', stage: 'split' },
  'nhapi/fuzz-leading-nul-bytes-before-msh.hl7': { code: '100', stage: 'split' },
  'nhapi/fuzz-msh-hundreds-of-empty-fields.hl7': { code: '102', stage: 'parse' },
  'nhapi/fuzz-mshh-no-field-separator.hl7': { code: '102', stage: 'parse' },
  'nhapi/fuzz-overlong-version-id.hl7': { code: '102', stage: 'parse' },
  'python-hl7/malformed-batch-bhs-without-msh.hl7': { code: '100', stage: 'split' },
  'python-hl7/malformed-file-fhs-nested-inside-message.hl7': { code: '100', stage: 'split' },
};

/** Files whose message count differs from 1 (streams, concatenations, batches). */
const MESSAGE_COUNTS: Record<string, number> = {
  'hapi-hl7v2/lab-multi-message-stream-13-msgs.hl7': 13,
  'oie-engine/adt-a01-a04-a31-v231-stream-124-msgs-crlf.hl7': 124,
  'oie-engine/adt-a40-plus-oru-r01-concatenated-lf.hl7': 2,
  'oie-engine/siu-s12-s14-s15-concatenated-no-batch-envelope-lf.hl7': 3,
  'python-hl7/batch-file-fhs-2x-bhs-3-msgs-adt-a04-v25.hl7': 3,
};

const policy = { defaultCharset: 'UNICODE UTF-8', fallbackCharset: 'windows-1252' };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof Hl7ParseError) return error.code;
    throw error;
  }
}

describe('public HL7 corpus', () => {
  it('holds the files the manifest lists', () => {
    expect(files.length).toBeGreaterThanOrEqual(80);
  });

  it.each(files.filter((f) => !REFUSED[f]))('%s parses, and each message re-encodes to its exact bytes', (file) => {
    const raw = readFileSync(join(root, file));
    const { messages } = splitFrame(raw);
    expect(messages).toHaveLength(MESSAGE_COUNTS[file] ?? 1);
    for (const bytes of messages) {
      const decoded = decodeMessageBytes(bytes, policy);
      const message = parseMessage(decoded.text);
      expect(message.segments[0]?.name).toBe('MSH');
      const body = bytes[0] === 0xef ? bytes.subarray(3) : bytes;
      expect(encodeText(decoded.text, decoded.charset).equals(body)).toBe(true);
      // The parser keeps every segment's text: rejoined, they are the message minus separators.
      expect(message.segments.map((s) => s.raw).join('')).toBe(message.text.replace(/[\r\n]/g, ''));
      const header = readHeader(message);
      expect(typeof header.controlId).toBe('string');
      // What the MLLP transport routes on, read from the bytes alone, agrees with the full parse.
      if (header.messageType)
        expect(peekMessageType(bytes)).toEqual({ messageType: header.messageType, triggerEvent: header.triggerEvent });
    }
  });

  it.each(Object.entries(REFUSED))('%s is refused with HL7 error %j', (file, expected) => {
    const raw = readFileSync(join(root, file));
    if (expected.stage === 'split') {
      expect(codeOf(() => splitFrame(raw))).toBe(expected.code);
    } else {
      const [first] = splitFrame(raw).messages;
      expect(codeOf(() => parseMessage(decodeMessageBytes(first!, policy).text))).toBe(expected.code);
    }
  });
});

describe('charsets in the corpus', () => {
  it.each([
    ['camel/qry-a19-v24-msh18-8859-7-greek-bytes.hl7', 'iso-8859-7', /[\u0370-\u03ff]/],
    ['camel/qry-a19-v24-msh18-8859-15-latin9-bytes.hl7', 'iso-8859-15', /[^\x00-\x7f]/],
    ['hapi-hl7v2/adt-a03-v25-msh18-8859-1-bare-pv1-crlf.hl7', 'latin1', /./],
    ['nhapi/adt-a08-v23-utf8-umlaut-in1-repeats-zbe.hl7', 'utf8', /[äöüÄÖÜß]/],
  ])('%s decodes as %s', (file, charset, expectedText) => {
    const [bytes] = splitFrame(readFileSync(join(root, file))).messages;
    const decoded = decodeMessageBytes(bytes!, policy);
    expect(decoded.charset).toBe(charset);
    expect(decoded.fallbackUsed).toBe(false);
    expect(decoded.text).toMatch(expectedText);
  });
});

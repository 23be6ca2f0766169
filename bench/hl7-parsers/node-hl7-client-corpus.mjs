// How node-hl7-client 4 handles the public fixture corpus: parse, read MSH-9/MSH-10, and whether toString()
// gives the input back. Run: scripts/with-node.sh node bench/hl7-parsers/node-hl7-client-corpus.mjs [fixtures dir]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Message } from 'node-hl7-client';
const root = process.argv[2] ?? new URL('../../test/fixtures/hl7/public', import.meta.url).pathname;
const rows = [];
for (const dir of readdirSync(root)) {
  if (!statSync(join(root, dir)).isDirectory()) continue;
  for (const f of readdirSync(join(root, dir))) {
    const raw = readFileSync(join(root, dir, f));
    const text = raw.toString('latin1').replace(/^\ufeff|^\xef\xbb\xbf/, '');
    let result;
    try {
      const m = new Message({ text });
      const type = m.get('MSH.9.1').toString();
      const ctl = m.get('MSH.10').toString();
      const back = m.toString();
      result = `ok type=${type} ctl=${ctl} roundtrip=${back === text ? 'exact' : back === text.replace(/\r?\n/g, '\r') ? 'cr-normalised' : 'DIFFERS'}`;
    } catch (e) {
      result = `THROWS ${String(e.message).slice(0, 80)}`;
    }
    rows.push(`${dir}/${f}: ${result}`);
  }
}
console.log(rows.join('\n'));

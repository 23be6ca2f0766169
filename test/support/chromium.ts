import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The path of Debian's Chromium, installed by scripts/lib/chromium.sh on first use (as npm test runs it anywhere). */
export function ensureChromium(): string {
  return execFileSync('bash', ['-c', '. scripts/lib/common.sh && . scripts/lib/chromium.sh && hl7r_ensure_chromium'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .at(-1)!;
}

/** Chromium's flags on a machine with no network beyond its registries (no background fetches, no sandbox as root). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

import { projectTool } from './project-tool.js';

/** The path of Debian's Chromium, installed by scripts/lib/chromium.sh on first use (as npm test runs it anywhere). */
export const ensureChromium = (): string => projectTool('chromium.sh', 'hl7r_ensure_chromium');

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

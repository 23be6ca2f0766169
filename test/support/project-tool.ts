import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs one of the scripts/lib tool functions (e.g. `hl7r_ensure_promtool` from helm-tools.sh), which installs or starts
 * the tool on first use and prints what to use on stdout (returned, trimmed); progress goes to stderr.
 */
export function projectTool(library: string, fn: string): string {
  return execFileSync('bash', ['-c', `. scripts/lib/common.sh && . scripts/lib/${library} && ${fn}`], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

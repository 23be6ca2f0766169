// A scaffolded adapter works as generated: its mapping loads (code set included) and its golden file can be
// written and then matched. Written into a temporary apps/ folder of this repository, removed afterwards.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { Adapter } from '../define-adapter.js';
import { runGoldenFiles } from '../golden/golden-files.js';
import { adapterScaffold } from './adapter-scaffold.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const name = `scaffold-check-${Date.now().toString(36)}`;
afterAll(() => rmSync(join(root, `apps/adapter-${name}`), { recursive: true, force: true }));

describe('adapter scaffold', () => {
  it('generates an adapter whose golden file round-trips', async () => {
    for (const [path, content] of adapterScaffold(name)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    const module = (await import(join(root, `apps/adapter-${name}/src/${name}-adapter.ts`))) as Record<string, Adapter>;
    const adapter = Object.values(module)[0]!;
    expect(adapter.name).toBe(name);
    const fixtures = join(root, `apps/adapter-${name}/fixtures`);
    expect(runGoldenFiles(adapter, fixtures, { update: true }).map((r) => r.status)).toEqual(['updated']);
    expect(runGoldenFiles(adapter, fixtures)).toEqual([{ name: 'crafted-a01-inpatient', status: 'pass', diff: [] }]);
  });
});

// npm run cdk:synth: bundles the adapters' Lambda handlers, compiles deploy/cdk/app.ts with esbuild (aws-cdk-lib stays
// a package import) and runs it: CloudFormation for every adapter in the config goes to cdk.out/. No AWS access.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, [join(root, 'scripts/bundle-lambda.mjs')], { stdio: 'inherit' });
const out = join(root, 'dist-lambda/cdk-app.mjs');
mkdirSync(join(root, 'dist-lambda'), { recursive: true });
await build({
  entryPoints: [join(root, 'deploy/cdk/app.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
execFileSync(process.execPath, [out], { stdio: 'inherit', env: { ...process.env, HL7R_ROOT: root } });

// npm run bundle:lambda: bundles each adapter's Lambda entry (apps/adapter-<name>/src/lambda.ts) with esbuild into
// dist-lambda/adapter-<name>/index.mjs (ESM, Node 22+), with the files the code reads at run time beside it (the
// Avro schemas, the adapter's data folders: code-set tables, subscription tables, templates). That folder is the
// Lambda's code (deploy/cdk uses it as an asset).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv[2];
const adapters = readdirSync(join(root, 'apps'))
  .filter((d) => d.startsWith('adapter-') && existsSync(join(root, 'apps', d, 'src/lambda.ts')))
  .filter((d) => !only || d === `adapter-${only}`);
for (const app of adapters) {
  const out = join(root, 'dist-lambda', app);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'apps', app, 'src/lambda.ts')],
    outdir: out,
    entryNames: 'index',
    // The OpenTelemetry SDK (loaded by a dynamic import only when OTEL_* turn tracing on) in a chunk of its own: a
    // function without tracing never parses it (it was +2.3 MB and ~+100 ms on a cold start in the one bundle).
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    tsconfig: join(root, 'tsconfig.json'),
    sourcemap: true,
    logLevel: 'warning',
    // CommonJS dependencies (kafkajs, avsc) call require(): give the ES module bundle one.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    // @platformatic/kafka's CRC-32C and codecs are WebAssembly that its index reads from a file beside it at import
    // time; the bundled entry of the same package embeds it, so the Lambda needs no .wasm file.
    alias: { '@platformatic/wasm-utils': '@platformatic/wasm-utils/bundled' },
    // Optional peers NestJS loads only when present (@lib/platform exports its lifecycle module): never used here.
    external: [
      'class-validator',
      'class-transformer',
      '@nestjs/websockets',
      '@nestjs/websockets/*',
      '@nestjs/microservices',
      '@nestjs/microservices/*',
      '@nestjs/platform-express',
    ],
  });
  cpSync(join(root, 'libs/envelope/src/hl7-envelope.v1.avsc'), join(out, 'hl7-envelope.v1.avsc'));
  cpSync(join(root, 'libs/adapter-sdk/src/runtime/delivery-event.v1.avsc'), join(out, 'delivery-event.v1.avsc'));
  for (const data of ['code-sets', 'subscriptions', 'templates']) {
    const dir = join(root, 'apps', app, 'src', data);
    if (existsSync(dir)) cpSync(dir, join(out, data), { recursive: true });
  }
  process.stdout.write(`bundled ${app} -> dist-lambda/${app}/index.mjs\n`);
}

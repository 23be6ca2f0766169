// npm run adapter:new -- <name>: creates apps/adapter-<name> (mapping, code set, profile, pod and Lambda entry points,
// golden-file spec with one input, README), registers it in nest-cli.json and package.json (start:adapter-<name>),
// builds, and writes the first golden expectations. Refuses to overwrite an existing adapter.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const name = process.argv[2];
if (!name || process.argv.length > 3) {
  process.stderr.write('usage: npm run adapter:new -- <name>   (lowercase letters, digits, dashes)\n');
  process.exit(2);
}
const { adapterScaffold } = await import(`${root}dist/libs/adapter-sdk/src/tools.js`);
let files;
try {
  files = adapterScaffold(name);
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const app = `apps/adapter-${name}`;
if (existsSync(join(root, app))) {
  process.stderr.write(`${app} exists already; nothing written\n`);
  process.exit(2);
}
for (const [path, content] of files) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  process.stdout.write(`created ${path}\n`);
}
const nest = JSON.parse(readFileSync(join(root, 'nest-cli.json'), 'utf8'));
nest.projects[`adapter-${name}`] = {
  type: 'application',
  root: app,
  entryFile: 'main',
  sourceRoot: `${app}/src`,
  compilerOptions: { tsConfigPath: 'tsconfig.build.json' },
};
writeFileSync(join(root, 'nest-cli.json'), `${JSON.stringify(nest, null, 2)}\n`);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
pkg.scripts[`start:adapter-${name}`] = `bash scripts/with-node.sh node --disable-warning=TimeoutNegativeWarning dist/${app}/src/main.js`;
writeFileSync(join(root, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
process.stdout.write('registered in nest-cli.json and package.json\n');
execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
execFileSync(process.execPath, [join(root, 'scripts/adapter-golden.mjs'), name, '--update'], { cwd: root, stdio: 'inherit' });
process.stdout.write(`
Next: write the ${name} system's guide in ${app}/README.md and its mapping in ${app}/src/${name}-adapter.ts, add
inputs to ${app}/fixtures/in, run npm run adapter:golden -- ${name} (--update once the output is right), npm test.
`);

/**
 * The files of a new adapter app (`npm run adapter:new -- <name>`): a mapping with a code-set table and a target
 * profile, pod and Lambda entry points, a golden-file spec with one input, and a README for the target's guide.
 * Pure: returns paths (relative to the repository root) and contents; the script writes them.
 */
// Assembled, not written as one literal: the build's alias rewriter (tsc-alias) would rewrite it inside these
// templates as if it were this file's own import.
const SDK = ['@lib', 'adapter-sdk'].join('/');

export function adapterScaffold(name: string): Map<string, string> {
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(name))
    throw new Error(`adapter name ${JSON.stringify(name)}: lowercase letters, digits and dashes, starting with a letter`);
  const camel = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const exported = `${camel}Adapter`;
  const upper = name.toUpperCase().replace(/-/g, '_');
  const app = `apps/adapter-${name}`;
  const files = new Map<string, string>();
  files.set(
    `${app}/src/${name}-adapter.ts`,
    `import { fileURLToPath } from 'node:url';
import { convertVersion, defineAdapter } from '${SDK}';

/**
 * The ${name} system's implementation guide (see ../README.md). Start here: which events it takes, which HL7
 * version, which fields change and through which code tables. Run \`npm run adapter:golden -- ${name}\` after each
 * change.
 */
export const ${exported} = defineAdapter({
  name: '${name}',
  baseDir: fileURLToPath(new URL('.', import.meta.url)),
  accepts: { messageTypes: ['ADT'], triggerEvents: ['A01', 'A02', 'A03', 'A04', 'A08'] },
  codeSets: {
    patientClass: { file: 'code-sets/patient-class.csv', unmapped: 'pass-through' },
  },
  profile: {
    version: '2.5.1',
    required: ['MSH-9.1', 'MSH-9.2', 'MSH-10', 'PID-3.1', 'PID-5.1'],
    forbiddenSegments: [/^Z/],
  },
  map(message, { codes }) {
    message.dropZSegments();
    message.set('MSH-5', '${upper}');
    convertVersion(message, '2.5.1');
    if (message.segmentNames.includes('PV1')) message.set('PV1-2', codes('patientClass').translate(message.get('PV1-2'), 'PV1-2'));
    return message;
  },
});
`,
  );
  files.set(
    `${app}/src/code-sets/patient-class.csv`,
    `# HL7 table 0004 (patient class) -> the ${name} system's codes. Policy: pass-through (see ${name}-adapter.ts).
from,to
I,I
O,O
E,E
`,
  );
  files.set(
    `${app}/src/main.ts`,
    `// adapter-${name} as a pod: node dist/apps/adapter-${name}/src/main.js (target: ADAPTER_${upper}_TARGET=mllp://host:port).
import { runAdapterPod } from '${SDK}';
import { ${exported} } from './${name}-adapter.js';

await runAdapterPod(${exported}, process.env);
`,
  );
  files.set(
    `${app}/src/lambda.ts`,
    `// adapter-${name} as an AWS Lambda: handler (event-source mapping on Kafka), connectorHandler (Lambda Sink Connector).
import { createConnectorHandler, createKafkaEventHandler } from '${SDK}';
import { ${exported} } from './${name}-adapter.js';

export const handler = createKafkaEventHandler(${exported}, { reportBatchItemFailures: process.env['REPORT_BATCH_ITEM_FAILURES'] === 'true' });
export const connectorHandler = createConnectorHandler(${exported});
`,
  );
  files.set(
    `${app}/src/${name}-adapter.spec.ts`,
    `import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { runGoldenFiles } from '${SDK}';
import { ${exported} } from './${name}-adapter.js';

const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));

describe('adapter-${name}', () => {
  it.each(runGoldenFiles(${exported}, fixtures).map((r) => [r.name, r] as const))('golden file %s', (_name, result) => {
    expect(result.diff).toEqual([]);
  });
});
`,
  );
  files.set(
    `${app}/fixtures/in/crafted-a01-inpatient.hl7`,
    'MSH|^~\\&|EHR|GENHOSP|ROUTER|HOSP|20261126101500||ADT^A01^ADT_A01|SCAFFOLD-1|P|2.5.1\nEVN|A01|20261126101500\nPID|1||100^^^GENHOSP^MR||DOE^JANE||19800101|F\nPV1|1|I|WARD1^101^A\nZPV|site|extension\n',
  );
  files.set(
    `${app}/README.md`,
    `# adapter-${name}

Takes \`hl7.route.${name}.v1\` and delivers each message to the ${name} system over MLLP
(\`ADAPTER_${upper}_TARGET=mllp://host:port\`, or \`mllps://\` for TLS).

## The ${name} system's implementation guide (as this adapter implements it)

| what | rule |
| --- | --- |
| HL7 version | 2.5.1 |
| events | ADT A01, A02, A03, A04, A08 |
| MSH-5 | \`${upper}\` |
| PV1-2 | through \`src/code-sets/patient-class.csv\` (unknown codes passed through) |
| Z-segments | removed |

## Golden files

\`fixtures/in/*.hl7\` → \`fixtures/expected/\`; \`npm run adapter:golden -- ${name} [--update]\`.
`,
  );
  return files;
}

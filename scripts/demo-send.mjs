// npm run demo:send [-- --port 2575 --mrn DEMO123]: sends one patient's admission (A01), transfer (A02), update (A08)
// and discharge (A03) to the local gateway, each with a fresh MSH-10, and prints each ACK and where to look next.
import { parseArgs } from 'node:util';
import { MllpClient } from '../dist/libs/mllp/src/index.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: process.env.MLLP_PORT ?? '2575' },
    mrn: { type: 'string', default: `DEMO${Date.now().toString().slice(-6)}` },
  },
});
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const run = Date.now().toString(36).toUpperCase();
const events = [
  ['A01', 'ADT_A01', 'I', 'WARD1^101^A', 'admission'],
  ['A02', 'ADT_A02', 'I', 'ICU^12^2', 'transfer to ICU'],
  ['A08', 'ADT_A01', 'I', 'ICU^12^2', 'update (new phone number)'],
  ['A03', 'ADT_A03', 'I', 'ICU^12^2', 'discharge'],
];
const client = new MllpClient({ host: values.host, port: Number(values.port) });
try {
  for (const [i, [trigger, structure, patientClass, location, what]] of events.entries()) {
    const controlId = `${run}-${i + 1}`;
    const message = [
      `MSH|^~\\&|DEMO-EHR|GENHOSP|HL7-ROUTER|HOSP|${stamp}||ADT^${trigger}^${structure}|${controlId}|P|2.5.1|||AL|NE||UNICODE UTF-8`,
      `EVN|${trigger}|${stamp}`,
      `PID|1||${values.mrn}^^^GENHOSP^MR||Demo^Patient^Q||19800101|F|||1 Main St^^Springfield^^12345||555-0100${i}`,
      `PV1|1|${patientClass}|${location}||||0042^HOUSE^GREGORY|||||||||||V${values.mrn}`,
    ].join('\r');
    const ack = (await client.send(Buffer.from(`${message}\r`, 'utf8'))).toString('utf8');
    const msa = ack.split('\r').find((s) => s.startsWith('MSA')) ?? '(no MSA)';
    process.stdout.write(`${trigger} ${what.padEnd(26)} MSH-10 ${controlId}  ->  ${msa}\n`);
  }
} finally {
  await client.close();
}
process.stdout.write(`
Patient ${values.mrn}: the demo LIS (HL7 2.5.1) gets all four messages, the demo RIS (HL7 2.3) all four as well.
Look at ~/.cache/hl7-router/run/demo/{lab,radiology}/ (what each system received, in its own format), the adapters'
metrics (http://127.0.0.1:9470/metrics, :9471/metrics) and the delivery ledger topic hl7.delivery.v1.
`);

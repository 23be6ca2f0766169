// The README's first command: `npm start` (scripts/start.sh) brings up the gateway, the router, the three adapters,
// the two demo receivers and the demo SMTP sink; an ADT sent over MLLP reaches both demo systems, each in its own guide's format; Ctrl-C
// stops everything it started. Runs as a second pipeline on the test broker (own ports, consumer groups, folder).
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { MllpClient } from '@lib/mllp';
import { eventually } from '@lib/kafka/testing';
import { freePipelinePorts, LocalPipeline } from '../support/local-pipeline.js';

const demo = mkdtempSync(join(tmpdir(), 'pipeline-e2e-'));
const ports = await freePipelinePorts();
let pipeline: LocalPipeline | undefined;

afterAll(() => pipeline?.kill());

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });

/** The file a demo receiver wrote for the message with this control ID, once it is there. */
const received = (system: 'lab' | 'radiology', controlId: string) => {
  const dir = join(demo, system);
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith(`-${controlId}.hl7`)) : undefined;
  return file ? readFileSync(join(dir, file), 'utf8').split('\r').filter(Boolean) : undefined;
};

describe('npm start: the local pipeline', () => {
  it('delivers an ADT from an MLLP sender to both demo receivers, each in its own format, and stops on Ctrl-C', async () => {
    pipeline = await LocalPipeline.start({ ports, demoDir: demo, runId: `e2e${Date.now().toString(36)}` });

    const controlId = `E2E${Date.now().toString(36).toUpperCase()}`;
    const mrn = `MRN-${controlId}`;
    const client = new MllpClient({ host: '127.0.0.1', port: ports.mllp });
    const ack = await client
      .send(
        Buffer.from(
          `MSH|^~\\&|EHR|GENHOSP|HL7-ROUTER|HOSP|20261126101500||ADT^A01^ADT_A01|${controlId}|P|2.5.1\rEVN|A01|20261126101500\rPID|1||${mrn}^^^GENHOSP^MR||doe^jane||19800101|F\rPV1|1|I|WARD1^101^A\rZPV|site\r`,
        ),
        30000,
      )
      .finally(() => client.close());
    expect(ack.toString()).toContain(`MSA|AA|${controlId}`);

    const lab = await eventually(() => received('lab', controlId), 60000, 'the lab system to receive it');
    const ris = await eventually(() => received('radiology', controlId), 60000, 'the radiology system to receive it');
    // The lab's guide: 2.5.1, sent to LIS, MR identifier only, unit-room-bed, no Z-segments.
    expect(lab[0]).toMatch(/^MSH\|\^~\\&\|EHR\|GENHOSP\|LIS\|LAB\|.*\|2\.5\.1$/);
    expect(lab).toContain(`PID|1||${mrn}^^^GENHOSP^MR||doe^jane||19800101|F`);
    expect(lab).toContain('PV1|1|I|WARD1-101-A');
    expect(lab.some((s) => s.startsWith('Z'))).toBe(false);
    // The RIS's guide: 2.3, sent to RIS, MRN in PID-2, name in capitals, patient class through its table.
    expect(ris[0]).toMatch(/\|RIS\|RAD\|.*\|ADT\^A01\|.*\|2\.3$/);
    expect(ris).toContain(`PID|1|${mrn}|${mrn}^^^GENHOSP^MR||DOE^JANE||19800101|F`);
    expect(ris.find((s) => s.startsWith('PV1|'))).toBe('PV1|1|IP|WARD1^101^A');

    // The on-call analyst's question, answered by the console: did each system get this message, and what did it say?
    // npm start signs in with the dev form (CONSOLE_AUTH=dev); without a session the API answers 401.
    const base = `http://127.0.0.1:${ports.console}/api/messages`;
    expect((await fetch(`${base}?controlId=${controlId}`)).status).toBe(401);
    const signIn = await fetch(`http://127.0.0.1:${ports.console}/login/dev`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'e2e', roles: 'viewer' }),
      redirect: 'manual',
    });
    const headers = { cookie: signIn.headers.get('set-cookie')!.split(';')[0]! };
    const delivered = await eventually(
      async () => {
        const { messages } = (await (await fetch(`${base}?controlId=${controlId}`, { headers })).json()) as {
          messages: { envelopeId: string }[];
        };
        if (messages.length !== 1) return undefined;
        const timeline = (await (await fetch(`${base}/${messages[0]!.envelopeId}`, { headers })).json()) as {
          targets: { target: string; state: string; attempts: { ackCode: string }[] }[];
        };
        // Routed to three targets: the lab and the RIS, and the notify adapter, which has no one to tell (no PV1-7).
        const settled = timeline.targets.length === 3 && timeline.targets.every((t) => t.state !== 'pending');
        return settled ? timeline : undefined;
      },
      60000,
      'the console to show both deliveries',
    );
    expect(delivered.targets.map((t) => `${t.target}:${t.state}:${t.attempts.map((a) => a.ackCode).join(',')}`).sort()).toEqual([
      'lab:delivered:AA',
      'notify:skipped:',
      'radiology:delivered:AA',
    ]);
    const byMrn = await fetch(`${base}/search`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ mrn }),
    });
    expect(((await byMrn.json()) as { messages: { controlId: string }[] }).messages.map((m) => m.controlId)).toEqual([controlId]);

    await pipeline.interrupt();
    for (const port of Object.values(ports)) expect(`${port}: ${await listening(port)}`).toBe(`${port}: false`);
  }, 300000);
});

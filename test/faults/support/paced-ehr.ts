// An EHR as the gateway meets it: each patient's ADT messages in order, one connection per group of patients, one
// message in flight per connection, paced overall; a message answered AE, or not answered in time, is sent again
// with the same bytes (same MSH-10) until the gateway answers AA, as interface engines do. AR is final.
import { MllpClient } from '@lib/mllp';

export interface EhrMessage {
  controlId: string;
  patient: string;
  /** Position in the patient's sequence (0, 1, ...). */
  seq: number;
  trigger: string;
}

export interface AcceptedMessage extends EhrMessage {
  /** When the AA arrived. */
  at: number;
  attempts: number;
}

export interface PacedEhrOptions {
  port: number;
  patients: number;
  /** Trigger events of each patient, in order (every one must route to every target under test). */
  triggers: readonly string[];
  messagesPerSecond: number;
  connections: number;
  /** Distinguishes this run's MSH-10s and MRNs from other runs'. */
  runId: string;
  ackTimeoutMs?: number;
  resendDelayMs?: number;
}

export class PacedEhr {
  readonly accepted: AcceptedMessage[] = [];
  readonly rejected: EhrMessage[] = [];
  /** Answers other than AA (AE, timeouts, connection errors) that led to a resend. */
  resends = 0;
  private stopped = false;
  private readonly clients: MllpClient[] = [];
  private sendIndex = 0;
  private startedAt = 0;
  private done: Promise<void> | undefined;

  constructor(private readonly options: PacedEhrOptions) {}

  get total(): number {
    return this.options.patients * this.options.triggers.length;
  }

  /** Every message of the run, per patient in order. */
  messages(): EhrMessage[] {
    const { patients, triggers, runId } = this.options;
    return triggers.flatMap((trigger, seq) =>
      Array.from({ length: patients }, (_, p) => ({ controlId: `${runId}-${p}-${seq}`, patient: `${runId}P${p}`, seq, trigger })),
    );
  }

  start(): void {
    this.startedAt = Date.now();
    const queues: EhrMessage[][] = Array.from({ length: this.options.connections }, () => []);
    const messages = this.messages();
    // Patient p always goes over connection p mod connections: one patient's messages never overtake each other.
    messages.forEach((m, i) => queues[(i % this.options.patients) % queues.length]!.push(m));
    this.done = Promise.all(queues.map((queue) => this.drive(queue))).then(() => undefined);
  }

  /** Resolves when every message got AA or AR (or stop() was called). */
  finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
  }

  private async drive(queue: readonly EhrMessage[]): Promise<void> {
    const client = new MllpClient({ host: '127.0.0.1', port: this.options.port, reconnect: { maxAttempts: 1 } });
    this.clients.push(client);
    for (const message of queue) {
      await this.pace();
      const bytes = Buffer.from(hl7Of(message), 'latin1');
      for (let attempt = 1; !this.stopped; attempt += 1) {
        const code = await client.send(bytes, this.options.ackTimeoutMs ?? 15000).then(msa1, () => 'no answer');
        if (code === 'AA') {
          this.accepted.push({ ...message, at: Date.now(), attempts: attempt });
          break;
        }
        if (code === 'AR') {
          this.rejected.push(message);
          break;
        }
        this.resends += 1;
        await new Promise((resolve) => setTimeout(resolve, this.options.resendDelayMs ?? 500));
      }
      if (this.stopped) return;
    }
  }

  private async pace(): Promise<void> {
    const due = this.startedAt + (this.sendIndex * 1000) / this.options.messagesPerSecond;
    this.sendIndex += 1;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function hl7Of(m: EhrMessage): string {
  const ts = '20261130103000';
  return (
    `MSH|^~\\&|EPIC|GENHOSP|HL7ROUTER|HUB|${ts}||ADT^${m.trigger}^ADT_A01|${m.controlId}|P|2.5.1\r` +
    `EVN|${m.trigger}|${ts}\r` +
    `PID|1||${m.patient}^^^GENHOSP^MR||DOE^JANE||19800101|F\r` +
    `PV1|1|I|W^1^A\r`
  );
}

function msa1(reply: Buffer): string {
  const msa = reply
    .toString('latin1')
    .split('\r')
    .find((s) => s.startsWith('MSA|'));
  return msa?.split('|')[1] ?? 'garbled';
}

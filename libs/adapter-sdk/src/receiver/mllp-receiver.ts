import { buildAck, type Hl7Issue, parseMessage, readHeader } from '@lib/hl7';
import { MllpServer } from '@lib/mllp';

/** How the receiver answers one message. */
export type ReceiverAnswer =
  | { kind: 'ack'; code: 'AA' | 'AE' | 'AR'; delayMs?: number; /** ERR segments of the ACK. */ issues?: readonly Hl7Issue[] }
  /** An AA whose MSA-2 names another message. */
  | { kind: 'wrong-control-id' }
  /** Close the connection without answering. */
  | { kind: 'drop' }
  /** Never answer (the sender times out). */
  | { kind: 'silent' };

export interface ReceivedMessage {
  /** 0-based, in arrival order over all connections. */
  index: number;
  controlId: string;
  /** MSH-9 as written, e.g. ADT^A01^ADT_A01. */
  messageType: string;
  /** PID-3.1 of the first repetition. */
  patientId: string;
  raw: Buffer;
  connection: number;
  at: number;
}

export type AnswerRule = (message: ReceivedMessage) => ReceiverAnswer;

export interface MllpReceiverOptions {
  host?: string;
  /** 0 (default) picks a free port; restart() keeps the port it got. */
  port?: number;
  /** Our MSH-3 in ACKs. */
  name?: string;
  answer?: AnswerRule;
}

class DroppedByRule extends Error {}

/**
 * A receiving system for tests, benchmarks and the demo: answers each message as `answer` says (AA by default),
 * with optional delays, wrong control IDs, dropped connections or silence, and records what it received.
 */
export class MllpReceiver {
  readonly received: ReceivedMessage[] = [];
  private server: MllpServer | undefined;
  private answer: AnswerRule;
  private ackSequence = 0;
  private inFlight = 0;
  /** The most messages received and not yet answered at one time (over all connections). */
  peakInFlight = 0;

  private constructor(private readonly options: MllpReceiverOptions & { port: number }) {
    this.answer = options.answer ?? (() => ({ kind: 'ack', code: 'AA' }));
  }

  static async start(options: MllpReceiverOptions = {}): Promise<MllpReceiver> {
    const receiver = new MllpReceiver({ ...options, port: options.port ?? 0 });
    await receiver.listen();
    return receiver;
  }

  get port(): number {
    return this.options.port;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  setAnswer(answer: AnswerRule): void {
    this.answer = answer;
  }

  /** The received control IDs of one patient, in arrival order (resends included). */
  controlIdsOf(patientId: string): string[] {
    return this.received.filter((m) => m.patientId === patientId).map((m) => m.controlId);
  }

  /** Stops listening and drops every connection (the system is down). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close(0);
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    if (!this.server) await this.listen();
  }

  private async listen(): Promise<void> {
    const server = new MllpServer(
      {
        handleFrame: (payload, connection) => this.handle(payload, connection.id),
        handleOversize: () => undefined,
      },
      { host: this.options.host ?? '127.0.0.1', port: this.options.port, maxPipelinedFrames: 1 },
    );
    await server.listen();
    this.options.port = server.address().port;
    this.server = server;
  }

  private async handle(payload: Buffer, connection: number): Promise<Buffer | undefined> {
    const text = payload.toString('utf8');
    let header;
    let patientId = '';
    try {
      const message = parseMessage(text);
      header = readHeader(message);
      patientId = message.get('PID-3.1');
    } catch {
      header = undefined;
    }
    const received: ReceivedMessage = {
      index: this.received.length,
      controlId: header?.controlId ?? '',
      messageType: header ? [header.messageType, header.triggerEvent, header.structure].filter(Boolean).join('^') : '',
      patientId,
      raw: payload,
      connection,
      at: Date.now(),
    };
    this.received.push(received);
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      return await this.answerTo(received, header);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async answerTo(received: ReceivedMessage, header: ReturnType<typeof readHeader> | undefined): Promise<Buffer | undefined> {
    const answer: ReceiverAnswer = header ? this.answer(received) : { kind: 'ack', code: 'AR' };
    if (answer.kind === 'silent') return new Promise<undefined>(() => undefined);
    if (answer.kind === 'drop') throw new DroppedByRule('connection dropped by the receiver rule');
    if (answer.kind === 'ack' && answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    this.ackSequence += 1;
    const outcome = answer.kind === 'wrong-control-id' || answer.code === 'AA' ? 'accept' : answer.code === 'AE' ? 'error' : 'reject';
    const ackHeader = answer.kind === 'wrong-control-id' ? { ...header, controlId: `NOT-${header?.controlId ?? ''}` } : header;
    return Buffer.from(
      buildAck({
        ...(ackHeader ? { header: ackHeader } : {}),
        outcome,
        ...(answer.kind === 'ack' && answer.issues ? { issues: answer.issues } : {}),
        controlId: `${this.options.name ?? 'RECEIVER'}-${this.ackSequence}`,
        now: new Date(),
        application: this.options.name ?? 'RECEIVER',
      }),
      'utf8',
    );
  }
}

import net from 'node:net';
import tls from 'node:tls';
import { FrameDecoder, encodeFrame } from './frame-codec.js';
import { MllpError } from './mllp-errors.js';

export interface ReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Connection attempts per send before giving up with MLLP_CONNECT_FAILED. */
  maxAttempts: number;
}

export interface MllpClientOptions {
  host: string;
  port: number;
  /** TLS (with cert/key for mTLS, ca for a private CA); omit for plain TCP. */
  tls?: tls.ConnectionOptions;
  connectTimeoutMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  maxFrameBytes?: number;
  /** For tests: how to wait between attempts (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
}

interface Pending {
  /** The connection the request was written to: only its reply or its loss settles the request. */
  socket: net.Socket;
  resolve: (reply: Buffer) => void;
  reject: (error: MllpError) => void;
}

/**
 * An MLLP sender over one persistent connection. `send` writes a frame and resolves with the next frame the peer
 * sends back (the ACK). Sends are serialised: one message in flight, as MLLP requires. A timeout destroys the
 * connection, so a late ACK can never be taken as the answer to the next message; the next send reconnects.
 */
export class MllpClient {
  private socket: net.Socket | undefined;
  private decoder = new FrameDecoder();
  private pending: Pending | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly policy: ReconnectPolicy;

  constructor(private readonly options: MllpClientOptions) {
    this.policy = { initialDelayMs: 100, maxDelayMs: 5000, maxAttempts: 5, ...options.reconnect };
  }

  get connected(): boolean {
    return Boolean(this.socket && !this.socket.destroyed);
  }

  send(payload: Buffer, timeoutMs = 30000): Promise<Buffer> {
    const run = this.chain.then(() => this.sendNow(payload, timeoutMs));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Drops the connection; the next send reconnects. For an answer that cannot be trusted (wrong MSA-2, garbage). */
  reset(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    const socket = this.socket;
    this.socket = undefined;
    if (socket && !socket.destroyed) await new Promise<void>((resolve) => socket.end(resolve));
  }

  private async sendNow(payload: Buffer, timeoutMs: number): Promise<Buffer> {
    if (this.closed) throw new MllpError('client is closed', 'MLLP_CLIENT_CLOSED', false);
    const socket = await this.ensureConnected();
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        socket.destroy();
        reject(new MllpError(`no reply within ${timeoutMs} ms`, 'MLLP_TIMEOUT', true, { timeoutMs }));
      }, timeoutMs);
      this.pending = {
        socket,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      socket.write(encodeFrame(payload));
    });
  }

  private async ensureConnected(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let delay = this.policy.initialDelayMs;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt += 1) {
      try {
        this.socket = await this.connectOnce();
        return this.socket;
      } catch (error) {
        lastError = error;
        if (attempt < this.policy.maxAttempts) {
          await sleep(delay);
          delay = Math.min(delay * 2, this.policy.maxDelayMs);
        }
      }
    }
    const { host, port } = this.options;
    throw new MllpError(
      `cannot connect to ${host}:${port}`,
      'MLLP_CONNECT_FAILED',
      true,
      { host, port, attempts: this.policy.maxAttempts },
      { cause: lastError },
    );
  }

  private connectOnce(): Promise<net.Socket> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const socket = this.options.tls ? tls.connect({ host, port, ...this.options.tls }) : net.connect({ host, port });
      const connectedEvent = this.options.tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('connect timeout'));
      }, this.options.connectTimeoutMs ?? 5000);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once(connectedEvent, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        this.attach(socket);
        resolve(socket);
      });
    });
  }

  private attach(socket: net.Socket): void {
    this.decoder = new FrameDecoder(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.decoder.push(chunk)) {
        if (event.kind !== 'frame') continue;
        const pending = this.pending?.socket === socket ? this.pending : undefined;
        // A frame nobody asked for cannot be matched to a message: drop the connection rather than guess.
        if (!pending) {
          socket.destroy();
          return;
        }
        this.pending = undefined;
        pending.resolve(event.payload);
      }
    });
    const fail = () => {
      if (this.pending?.socket !== socket) return;
      const pending = this.pending;
      this.pending = undefined;
      pending.reject(new MllpError('connection closed before a reply', 'MLLP_CONNECTION_CLOSED', true));
    };
    socket.on('error', fail);
    socket.on('close', fail);
  }
}

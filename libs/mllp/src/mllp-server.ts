import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { FrameDecoder, encodeFrame } from './frame-codec.js';

export interface ConnectionInfo {
  /** Unique per server, for logs. */
  id: number;
  remoteAddress: string;
  remotePort: number;
  /** Subject CN of the client certificate under mTLS. */
  peerCommonName?: string;
}

/** What the server asks of the application: it knows HL7, the server knows only frames. */
export interface MllpHandler {
  /** Handle one complete frame; resolve to the reply payload (an ACK), or undefined to send none. */
  handleFrame(payload: Buffer, connection: ConnectionInfo): Promise<Buffer | undefined>;
  /** A frame exceeded the size limit: the reply to send (a NAK) before the connection is closed, if any. */
  handleOversize(bytes: number, connection: ConnectionInfo): Buffer | undefined | Promise<Buffer | undefined>;
}

export type ServerEvent =
  | { type: 'connection-opened'; connection: ConnectionInfo; open: number }
  | { type: 'connection-closed'; connection: ConnectionInfo; open: number; reason: CloseReason }
  | { type: 'connection-refused'; remoteAddress: string; reason: 'max-connections' | 'closing' }
  | { type: 'junk'; connection: ConnectionInfo; bytes: number; reason: 'outside-frame' | 'unterminated-frame' }
  | { type: 'oversize'; connection: ConnectionInfo; bytes: number }
  | { type: 'handler-error'; connection: ConnectionInfo; error: unknown }
  | { type: 'tls-error'; remoteAddress: string; error: unknown }
  | { type: 'tls-reloaded' };

export type CloseReason =
  'peer-closed' | 'idle-timeout' | 'frame-timeout' | 'oversize' | 'server-closing' | 'socket-error' | 'handler-error';

export interface TlsFiles {
  keyFile: string;
  certFile: string;
  /** CA bundle for client certificates; with requireClientCert this is mutual TLS. */
  caFile?: string;
  requireClientCert?: boolean;
}

export interface MllpServerOptions {
  host?: string;
  /** 0 picks a free port (see address()). */
  port: number;
  tls?: TlsFiles;
  maxFrameBytes?: number;
  /** Close a connection that sent nothing and awaits nothing for this long (default 10 minutes). */
  idleTimeoutMs?: number;
  /** Close a connection whose started frame is not finished within this time (slowloris; default 60 s). */
  frameTimeoutMs?: number;
  /** Refuse connections beyond this many (default 1000). */
  maxConnections?: number;
  /** Frames received but not yet answered, per connection, before the socket is paused (default 64). */
  maxPipelinedFrames?: number;
  onEvent?: (event: ServerEvent) => void;
}

/** Queued after the frames that preceded an oversize frame: answer those, then NAK and close. */
interface OversizeMark {
  oversize: number;
}

interface Connection {
  info: ConnectionInfo;
  socket: net.Socket;
  decoder: FrameDecoder;
  queue: (Buffer | OversizeMark)[];
  busy: boolean;
  closing: boolean;
  closeReason?: CloseReason;
  frameTimer?: NodeJS.Timeout | undefined;
}

/**
 * An MLLP listener (TCP or TLS). Each connection is served strictly in order, one message in flight: the reply to
 * frame n is written before frame n+1 is handed to the handler (MLLP is request/response). Pipelined frames wait
 * in a bounded queue; beyond it the socket is paused (TCP backpressure).
 */
export class MllpServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private closing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: MllpHandler,
    private readonly options: MllpServerOptions,
  ) {
    const onSocket = (socket: net.Socket) => this.accept(socket);
    if (options.tls) {
      this.server = tls.createServer({ ...this.tlsContextOptions(options.tls), minVersion: 'TLSv1.2' }, onSocket);
      this.server.on('tlsClientError', (error, socket) =>
        this.emit({ type: 'tls-error', remoteAddress: socket.remoteAddress ?? '', error }),
      );
    } else {
      this.server = net.createServer(onSocket);
    }
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  address(): { host: string; port: number } {
    const address = this.server.address() as net.AddressInfo;
    return { host: address.address, port: address.port };
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Re-read the TLS key, certificate and CA files: new connections use them, open ones keep theirs. */
  reloadTls(): void {
    if (!this.options.tls) return;
    (this.server as tls.Server).setSecureContext(this.tlsContextOptions(this.options.tls));
    this.emit({ type: 'tls-reloaded' });
  }

  /**
   * Graceful close: stop accepting, let each connection finish the frames it already sent (their replies are
   * written), close idle connections, and destroy whatever is left after `deadlineMs`.
   */
  async close(deadlineMs = 30000): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) if (!c.busy && c.queue.length === 0) this.end(c, 'server-closing');
    const drained = new Promise<void>((resolve) => {
      if (this.connections.size === 0) resolve();
      else this.idleWaiters.push(resolve);
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const c of this.connections) c.socket.destroy();
        resolve();
      }, deadlineMs);
    });
    await Promise.race([drained, deadline]);
    clearTimeout(timer);
    await stopped;
  }

  private tlsContextOptions(files: TlsFiles): tls.SecureContextOptions & tls.TlsOptions {
    return {
      key: readFileSync(files.keyFile),
      cert: readFileSync(files.certFile),
      ...(files.caFile ? { ca: readFileSync(files.caFile) } : {}),
      requestCert: Boolean(files.requireClientCert),
      rejectUnauthorized: Boolean(files.requireClientCert),
    };
  }

  private accept(socket: net.Socket): void {
    const remoteAddress = socket.remoteAddress ?? '';
    if (this.closing || this.connections.size >= (this.options.maxConnections ?? 1000)) {
      this.emit({ type: 'connection-refused', remoteAddress, reason: this.closing ? 'closing' : 'max-connections' });
      socket.destroy();
      return;
    }
    const info: ConnectionInfo = { id: this.nextId++, remoteAddress, remotePort: socket.remotePort ?? 0 };
    if (socket instanceof tls.TLSSocket) {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      if (typeof cn === 'string') info.peerCommonName = cn;
    }
    const connection: Connection = {
      info,
      socket,
      decoder: new FrameDecoder({ maxFrameBytes: this.options.maxFrameBytes ?? 16 * 1024 * 1024 }),
      queue: [],
      busy: false,
      closing: false,
    };
    this.connections.add(connection);
    this.emit({ type: 'connection-opened', connection: info, open: this.connections.size });
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs ?? 600000);
    socket.on('timeout', () => {
      if (!connection.busy && connection.queue.length === 0) this.end(connection, 'idle-timeout');
    });
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    socket.on('end', () => this.end(connection, 'peer-closed'));
    socket.on('error', () => this.end(connection, 'socket-error'));
    socket.on('close', () => this.forget(connection, 'peer-closed'));
  }

  private receive(c: Connection, chunk: Buffer): void {
    if (c.closing) return;
    for (const event of c.decoder.push(chunk)) {
      if (event.kind === 'frame') c.queue.push(event.payload);
      else if (event.kind === 'junk') this.emit({ type: 'junk', connection: c.info, bytes: event.bytes, reason: event.reason });
      else {
        this.emit({ type: 'oversize', connection: c.info, bytes: event.bytes });
        c.queue.push({ oversize: event.bytes });
      }
    }
    this.armFrameTimer(c);
    if (c.queue.length >= (this.options.maxPipelinedFrames ?? 64)) c.socket.pause();
    void this.drain(c);
  }

  private armFrameTimer(c: Connection): void {
    if (c.decoder.inFrame && !c.frameTimer) {
      c.frameTimer = setTimeout(() => this.end(c, 'frame-timeout'), this.options.frameTimeoutMs ?? 60000);
    } else if (!c.decoder.inFrame && c.frameTimer) {
      clearTimeout(c.frameTimer);
      c.frameTimer = undefined;
    }
  }

  private async drain(c: Connection): Promise<void> {
    if (c.busy) return;
    c.busy = true;
    try {
      while (c.queue.length > 0 && !c.socket.destroyed) {
        const payload = c.queue.shift()!;
        if (!Buffer.isBuffer(payload)) {
          const nak = await this.handler.handleOversize(payload.oversize, c.info);
          if (nak && !c.socket.destroyed) c.socket.write(encodeFrame(nak));
          this.end(c, 'oversize');
          return;
        }
        let reply: Buffer | undefined;
        try {
          reply = await this.handler.handleFrame(payload, c.info);
        } catch (error) {
          // The handler must answer every frame itself (a NAK is a normal outcome); an exception is a bug.
          this.emit({ type: 'handler-error', connection: c.info, error });
          this.end(c, 'handler-error');
          return;
        }
        if (reply && !c.socket.destroyed) c.socket.write(encodeFrame(reply));
        if (c.socket.isPaused() && c.queue.length < (this.options.maxPipelinedFrames ?? 64) / 2) c.socket.resume();
      }
    } finally {
      c.busy = false;
      if (this.closing || c.closing) this.end(c, 'server-closing');
    }
  }

  private end(c: Connection, reason: CloseReason): void {
    if (!c.closing) {
      c.closing = true;
      c.closeReason = reason;
      if (c.frameTimer) clearTimeout(c.frameTimer);
      // Frames not yet started are dropped when the peer is gone or misbehaved; the one in flight still gets its reply.
      if (reason !== 'server-closing') c.queue.length = 0;
    }
    if (reason === 'socket-error') c.socket.destroy();
    else if (!c.busy) c.socket.end();
  }

  private forget(c: Connection, fallback: CloseReason): void {
    if (!this.connections.delete(c)) return;
    if (c.frameTimer) clearTimeout(c.frameTimer);
    this.emit({ type: 'connection-closed', connection: c.info, open: this.connections.size, reason: c.closeReason ?? fallback });
    if (this.connections.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private emit(event: ServerEvent): void {
    this.options.onEvent?.(event);
  }
}

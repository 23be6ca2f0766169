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

/** Why a connection was refused before it was served. */
export type RefusalReason = 'max-connections' | 'closing' | 'client-not-allowed';

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
  | { type: 'connection-refused'; remoteAddress: string; reason: RefusalReason }
  | { type: 'junk'; connection: ConnectionInfo; bytes: number; reason: 'outside-frame' | 'unterminated-frame' }
  | { type: 'oversize'; connection: ConnectionInfo; bytes: number }
  | { type: 'handler-error'; connection: ConnectionInfo; error: unknown }
  | { type: 'tls-error'; remoteAddress: string; error: unknown }
  | { type: 'tls-reloaded' }
  | { type: 'tls-reload-failed'; error: unknown };

export type CloseReason =
  | 'peer-closed'
  | 'idle-timeout'
  | 'frame-timeout'
  | 'oversize'
  | 'server-closing'
  | 'socket-error'
  | 'handler-error'
  /** The server held maxBufferedBytes and nothing was being processed that would free any: this sender was cut. */
  | 'memory-limit';

export interface TlsFiles {
  keyFile: string;
  certFile: string;
  /** CA bundle for client certificates; with requireClientCert this is mutual TLS. */
  caFile?: string;
  requireClientCert?: boolean;
  /**
   * With mutual TLS, the client identities this listener serves: `CN=<subject common name>` or a subject alternative
   * name as `DNS:<name>`, `URI:<uri>`, `email:<address>`, `IP Address:<ip>`. Empty or absent: any certificate the CA
   * signed. A certificate matching none is refused after the handshake.
   */
  allowedClients?: readonly string[];
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
  /** Bytes of complete frames waiting to be handled, per connection, before its socket is paused (default 16 MiB). */
  maxQueuedBytesPerConnection?: number;
  /**
   * Bytes held for all connections together (waiting frames, frames being handled, unfinished frames) before the
   * sockets that bring more are paused (default 256 MiB); they resume once handled frames bring it below. If the
   * limit is reached while nothing is being handled (only unfinished frames are held, so nothing would free memory),
   * the connection holding the most is closed (`memory-limit`).
   */
  maxBufferedBytes?: number;
  /** A TLS client must finish its handshake within this time (default 10 s); until then it counts as a connection. */
  tlsHandshakeTimeoutMs?: number;
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
  /** Bytes of the frames in `queue`. */
  queuedBytes: number;
  /** Bytes of the frame the handler has now. */
  inFlightBytes: number;
  /** What this connection adds to the server's bufferedBytes (queued + in flight + unfinished frame). */
  heldBytes: number;
  busy: boolean;
  closing: boolean;
  /** The peer ended its side: frames it completed are still answered, then the socket is ended. */
  peerEnded: boolean;
  closeReason?: CloseReason;
  frameTimer?: NodeJS.Timeout | undefined;
}

const DEFAULT_MAX_PIPELINED_FRAMES = 64;
const DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION = 16 * 1024 * 1024;
const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;
/** Closes that drop the frames a connection sent but that were not handled yet (it misbehaved, or is gone). */
const DROPS_QUEUE: ReadonlySet<CloseReason> = new Set(['frame-timeout', 'oversize', 'socket-error', 'handler-error', 'memory-limit']);

/**
 * An MLLP listener (TCP or TLS). Each connection is served strictly in order, one message in flight: the reply to
 * frame n is written before frame n+1 is handed to the handler (MLLP is request/response). Pipelined frames wait
 * in a queue bounded by count and bytes per connection, and by bytes over all connections; beyond a bound the socket
 * is paused (TCP backpressure). TLS sockets count against maxConnections from their first byte, not from the end of
 * their handshake. A peer that half-closes after its frames still gets their replies.
 */
export class MllpServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  /** TCP sockets open, TLS ones still in their handshake included: what maxConnections counts. */
  private sockets = 0;
  private buffered = 0;
  private readonly paused = new Set<Connection>();
  private nextId = 1;
  private closing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: MllpHandler,
    private readonly options: MllpServerOptions,
  ) {
    const onSocket = (socket: net.Socket) => this.accept(socket);
    if (options.tls) {
      this.server = tls.createServer(
        {
          ...this.tlsContextOptions(options.tls),
          minVersion: 'TLSv1.2',
          allowHalfOpen: true,
          handshakeTimeout: options.tlsHandshakeTimeoutMs ?? 10000,
        },
        onSocket,
      );
      // Node leaves a socket whose handshake failed or timed out open once this event has a listener: close it.
      this.server.on('tlsClientError', (error, socket) => {
        this.emit({ type: 'tls-error', remoteAddress: socket.remoteAddress ?? '', error });
        socket.destroy();
      });
    } else {
      this.server = net.createServer({ allowHalfOpen: true }, onSocket);
    }
    // Counted on the raw TCP socket, before any TLS handshake: a silent TLS client holds a connection too.
    this.server.prependListener('connection', (socket: net.Socket) => this.admit(socket));
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

  /** Bytes of frames held in memory for all connections: waiting, being handled, or not yet finished. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Re-read the TLS key, certificate and CA files: new connections use them, open ones keep theirs. Files that do
   * not load (half-written, a key that does not match) leave the current certificate in place: 'tls-reload-failed'.
   */
  reloadTls(): void {
    if (!this.options.tls) return;
    try {
      (this.server as tls.Server).setSecureContext(this.tlsContextOptions(this.options.tls));
    } catch (error) {
      this.emit({ type: 'tls-reload-failed', error });
      return;
    }
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

  /** Every TCP socket, before TLS: refuse beyond maxConnections, count until it closes. */
  private admit(socket: net.Socket): void {
    if (this.closing || this.sockets >= (this.options.maxConnections ?? 1000)) {
      const reason = this.closing ? 'closing' : 'max-connections';
      this.emit({ type: 'connection-refused', remoteAddress: socket.remoteAddress ?? '', reason });
      socket.destroy();
      return;
    }
    this.sockets += 1;
    socket.once('close', () => (this.sockets -= 1));
  }

  private accept(socket: net.Socket): void {
    const remoteAddress = socket.remoteAddress ?? '';
    if (socket.destroyed) return;
    const info: ConnectionInfo = { id: this.nextId++, remoteAddress, remotePort: socket.remotePort ?? 0 };
    if (socket instanceof tls.TLSSocket) {
      const certificate = socket.getPeerCertificate();
      const cn = certificate?.subject?.CN;
      if (typeof cn === 'string') info.peerCommonName = cn;
      const allowed = this.options.tls?.allowedClients ?? [];
      if (allowed.length > 0 && !clientIdentities(certificate).some((identity) => allowed.includes(identity))) {
        this.emit({ type: 'connection-refused', remoteAddress, reason: 'client-not-allowed' });
        socket.destroy();
        return;
      }
    }
    const connection: Connection = {
      info,
      socket,
      decoder: new FrameDecoder({ maxFrameBytes: this.options.maxFrameBytes ?? 16 * 1024 * 1024 }),
      queue: [],
      queuedBytes: 0,
      inFlightBytes: 0,
      heldBytes: 0,
      busy: false,
      closing: false,
      peerEnded: false,
    };
    this.connections.add(connection);
    this.emit({ type: 'connection-opened', connection: info, open: this.connections.size });
    socket.setNoDelay(true);
    socket.setTimeout(this.options.idleTimeoutMs ?? 600000);
    socket.on('timeout', () => {
      if (!connection.busy && connection.queue.length === 0) this.end(connection, 'idle-timeout');
    });
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    socket.on('end', () => {
      connection.peerEnded = true;
      this.end(connection, 'peer-closed');
    });
    socket.on('error', () => this.end(connection, 'socket-error'));
    socket.on('close', () => this.forget(connection, 'peer-closed'));
  }

  private receive(c: Connection, chunk: Buffer): void {
    if (c.closing) return;
    let frameEnded = false;
    for (const event of c.decoder.push(chunk)) {
      if (event.kind === 'frame') {
        c.queue.push(event.payload);
        c.queuedBytes += event.payload.length;
        frameEnded = true;
      } else if (event.kind === 'junk') {
        this.emit({ type: 'junk', connection: c.info, bytes: event.bytes, reason: event.reason });
        frameEnded ||= event.reason === 'unterminated-frame';
      } else {
        this.emit({ type: 'oversize', connection: c.info, bytes: event.bytes });
        c.queue.push({ oversize: event.bytes });
      }
    }
    this.account(c);
    this.armFrameTimer(c, frameEnded);
    if (this.mustPause(c)) {
      c.socket.pause();
      this.paused.add(c);
      this.cutIfStuck();
      if (c.closing) return;
    }
    void this.drain(c);
  }

  /** The frame timer measures one frame: from its first byte to its end block, re-armed for each frame. */
  private armFrameTimer(c: Connection, frameEnded: boolean): void {
    if (c.frameTimer && (frameEnded || !c.decoder.inFrame)) {
      clearTimeout(c.frameTimer);
      c.frameTimer = undefined;
    }
    if (c.decoder.inFrame && !c.frameTimer) {
      c.frameTimer = setTimeout(() => this.end(c, 'frame-timeout'), this.options.frameTimeoutMs ?? 60000);
    }
  }

  private get maxBufferedBytes(): number {
    return this.options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  private mustPause(c: Connection): boolean {
    return (
      c.queue.length >= (this.options.maxPipelinedFrames ?? DEFAULT_MAX_PIPELINED_FRAMES) ||
      c.queuedBytes >= (this.options.maxQueuedBytesPerConnection ?? DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION) ||
      this.buffered >= this.maxBufferedBytes
    );
  }

  private mayResume(c: Connection): boolean {
    return (
      c.queue.length < (this.options.maxPipelinedFrames ?? DEFAULT_MAX_PIPELINED_FRAMES) / 2 &&
      c.queuedBytes < (this.options.maxQueuedBytesPerConnection ?? DEFAULT_MAX_QUEUED_BYTES_PER_CONNECTION) / 2 &&
      this.buffered < this.maxBufferedBytes
    );
  }

  /**
   * At the server-wide bound with no frame waiting or being handled, nothing frees memory and the paused sockets
   * would wait for bytes that pausing stops: close the connection holding the most.
   */
  private cutIfStuck(): void {
    if (this.buffered < this.maxBufferedBytes) return;
    let largest: Connection | undefined;
    for (const c of this.connections) {
      if (c.busy || c.queue.length > 0) return;
      if (!c.closing && (!largest || c.heldBytes > largest.heldBytes)) largest = c;
    }
    if (largest) this.end(largest, 'memory-limit');
  }

  /** Keep the server's byte count in step with what this connection holds now. */
  private account(c: Connection): void {
    const held = c.closing && DROPS_QUEUE.has(c.closeReason!) ? c.inFlightBytes : c.queuedBytes + c.inFlightBytes + c.decoder.bufferedBytes;
    this.buffered += held - c.heldBytes;
    c.heldBytes = held;
  }

  /** Memory was freed: resume the paused sockets whose bounds allow it. */
  private resumeReading(): void {
    for (const c of this.paused) {
      if (c.closing) this.paused.delete(c);
      else if (this.mayResume(c)) {
        this.paused.delete(c);
        c.socket.resume();
      }
    }
  }

  private async drain(c: Connection): Promise<void> {
    if (c.busy) return;
    c.busy = true;
    try {
      while (c.queue.length > 0 && !c.socket.destroyed) {
        const payload = c.queue.shift()!;
        if (Buffer.isBuffer(payload)) {
          c.queuedBytes -= payload.length;
          c.inFlightBytes = payload.length;
        }
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
        } finally {
          c.inFlightBytes = 0;
          this.account(c);
        }
        if (reply && !c.socket.destroyed) c.socket.write(encodeFrame(reply));
        this.resumeReading();
      }
    } finally {
      c.busy = false;
      if (this.closing || c.closing) this.end(c, 'server-closing');
      else this.cutIfStuck();
    }
  }

  private end(c: Connection, reason: CloseReason): void {
    if (!c.closing) {
      c.closing = true;
      c.closeReason = reason;
      if (c.frameTimer) clearTimeout(c.frameTimer);
      // Frames not yet handled are dropped when the peer misbehaved or is gone; the one in flight still gets its
      // reply. A peer that only half-closed, or a server closing, still gets the replies to frames it completed.
      if (DROPS_QUEUE.has(reason)) {
        c.queue.length = 0;
        c.queuedBytes = 0;
      }
      this.account(c);
      this.resumeReading();
    }
    if (reason === 'socket-error' || reason === 'memory-limit') c.socket.destroy();
    else if (!c.busy && c.queue.length === 0) c.socket.end();
    else if (!c.busy) void this.drain(c);
  }

  private forget(c: Connection, fallback: CloseReason): void {
    if (!this.connections.delete(c)) return;
    if (c.frameTimer) clearTimeout(c.frameTimer);
    this.buffered -= c.heldBytes;
    c.heldBytes = 0;
    this.paused.delete(c);
    this.resumeReading();
    this.emit({ type: 'connection-closed', connection: c.info, open: this.connections.size, reason: c.closeReason ?? fallback });
    if (this.connections.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private emit(event: ServerEvent): void {
    this.options.onEvent?.(event);
  }
}

/** The identities a client certificate proves, in the form allowedClients lists them. */
function clientIdentities(certificate: tls.PeerCertificate | undefined): string[] {
  if (!certificate) return [];
  const identities: string[] = [];
  const cn = certificate.subject?.CN;
  if (typeof cn === 'string') identities.push(`CN=${cn}`);
  for (const name of (certificate.subjectaltname ?? '').split(', ')) if (name) identities.push(name);
  return identities;
}

import { peekMessageType } from '@lib/hl7';
import { BaseRpcContext, type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { type ConnectionInfo, type MllpHandler, MllpServer, type MllpServerOptions, type ServerEvent } from '../mllp-server.js';
import { watchTlsFiles } from '../tls-file-watch.js';

/** The pattern of the handler that answers every frame no more specific handler claims (and every batch). */
export const ANY_MESSAGE = '*';
/** The pattern of the handler that answers a frame over the size limit: receives an `OversizeFrame`. */
export const MLLP_OVERSIZE = 'mllp:oversize';
/** The event pattern of the listener's events (connections, junk, TLS): receives a `ServerEvent`. */
export const MLLP_SERVER_EVENT = 'mllp:server-event';

/** What an MLLP_OVERSIZE handler receives: the size the frame had reached when it was cut. */
export interface OversizeFrame {
  bytes: number;
}

/** The context of a frame (`@Ctx()`): the connection it came on and the pattern that routed it. */
export class MllpContext extends BaseRpcContext<[connection: ConnectionInfo | undefined, pattern: string]> {
  /** The connection the frame came on (undefined for events that belong to no connection). */
  getConnection(): ConnectionInfo | undefined {
    return this.args[0];
  }

  getPattern(): string {
    return this.args[1];
  }
}

export interface MllpTransportOptions extends Omit<MllpServerOptions, 'onEvent'> {
  /**
   * With TLS: re-read the key, certificate and CA when the files change (polled at this interval, as Kubernetes
   * re-points a mounted Secret) and on SIGHUP. Absent: only on `reloadTls()`.
   */
  tlsReloadIntervalMs?: number;
}

/**
 * HL7 v2 over MLLP as a Nest microservice transport: `NestFactory.createMicroservice(Module, { strategy: new
 * MllpTransport(options) })`. Each frame goes to the handler whose `@MessagePattern` is the most specific match of
 * its MSH-9 ('ADT^A01', then 'ADT', then `ANY_MESSAGE`), read from the frame's first segment without parsing it;
 * a batch (FHS/BHS) goes to `ANY_MESSAGE`. The handler gets the frame's bytes (`@Payload()`) and an `MllpContext`
 * (`@Ctx()`), and returns the reply (an ACK) or undefined. Frames of one connection are handled one at a time, in
 * order; connections in parallel. `listen` refuses to start without an `ANY_MESSAGE` handler, so every frame has
 * an answer. `close()` drains: no new connections, frames already received are answered (up to `closeDeadlineMs`).
 */
export class MllpTransport extends Server implements CustomTransportStrategy {
  private server: MllpServer | undefined;
  private closing: Promise<void> | undefined;
  private stopWatching: () => void = () => {};

  constructor(
    private readonly options: MllpTransportOptions,
    private readonly closeDeadlineMs = 30000,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    if (!this.messageHandlers.has(ANY_MESSAGE)) {
      callback(new Error(`MllpTransport needs a @MessagePattern('${ANY_MESSAGE}') handler: a frame no handler claims would go unanswered`));
      return;
    }
    const handler: MllpHandler = {
      handleFrame: (payload, connection) => this.invoke(this.route(payload), payload, connection),
      handleOversize: (bytes, connection) =>
        this.messageHandlers.has(MLLP_OVERSIZE) ? this.invoke(MLLP_OVERSIZE, { bytes } satisfies OversizeFrame, connection) : undefined,
    };
    const server = new MllpServer(handler, { ...this.options, onEvent: (event) => this.dispatchEvent(event) });
    this.server = server;
    server.listen().then(
      () => {
        this.watchTls(server);
        callback();
      },
      (error: unknown) => callback(error),
    );
  }

  /** Drain and close (once: Nest closes the transport again on shutdown, which then waits for the same drain). */
  close(deadlineMs = this.closeDeadlineMs): Promise<void> {
    this.closing ??= (async () => {
      this.stopWatching();
      await this.server?.close(deadlineMs);
    })();
    return this.closing;
  }

  /** Where the listener is bound (the port, when options.port was 0). */
  address(): { host: string; port: number } {
    if (!this.server) throw new Error('MllpTransport is not listening');
    return this.server.address();
  }

  /** Re-read the TLS files now (as on SIGHUP). */
  reloadTls(): void {
    this.server?.reloadTls();
  }

  on(): never {
    throw new Error('MllpTransport has no events to subscribe to: use @EventPattern(MLLP_SERVER_EVENT)');
  }

  unwrap<T>(): T {
    if (!this.server) throw new Error('MllpTransport is not listening');
    return this.server as T;
  }

  /** The most specific pattern that has a handler. */
  private route(payload: Buffer): string {
    const peek = peekMessageType(payload);
    if (peek) {
      const exact = `${peek.messageType}^${peek.triggerEvent}`;
      if (peek.triggerEvent && this.messageHandlers.has(exact)) return exact;
      if (this.messageHandlers.has(peek.messageType)) return peek.messageType;
    }
    return ANY_MESSAGE;
  }

  private async invoke(pattern: string, data: unknown, connection: ConnectionInfo): Promise<Buffer | undefined> {
    // The map itself, not getHandlerByPattern: that one tries JSON.parse on every string pattern and catches the
    // SyntaxError, which was 8.5 % of a saturated listener's CPU (bench:transport profile); ours are plain strings.
    const handler = this.messageHandlers.get(pattern) as MessageHandler;
    const result = this.transformToObservable(await handler(data, new MllpContext([connection, pattern])));
    const reply: unknown = await lastValueFrom(result, { defaultValue: undefined });
    if (reply === undefined || reply === null) return undefined;
    if (Buffer.isBuffer(reply)) return reply;
    throw new TypeError(`the '${pattern}' handler replied with ${typeof reply}, not a Buffer`);
  }

  private dispatchEvent(event: ServerEvent): void {
    if (!this.messageHandlers.has(MLLP_SERVER_EVENT)) return;
    const connection = 'connection' in event ? event.connection : undefined;
    void this.handleEvent(MLLP_SERVER_EVENT, { pattern: MLLP_SERVER_EVENT, data: event }, new MllpContext([connection, MLLP_SERVER_EVENT]));
  }

  private watchTls(server: MllpServer): void {
    const tls = this.options.tls;
    if (!tls || this.options.tlsReloadIntervalMs === undefined) return;
    const files = [tls.keyFile, tls.certFile, ...(tls.caFile ? [tls.caFile] : [])];
    const reload = () => server.reloadTls();
    const unwatch = watchTlsFiles(files, reload, this.options.tlsReloadIntervalMs);
    process.on('SIGHUP', reload);
    this.stopWatching = () => {
      unwatch();
      process.off('SIGHUP', reload);
    };
  }
}

import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from '@jest/globals';
import { FrameDecoder, encodeFrame } from './frame-codec.js';
import { MllpClient } from './mllp-client.js';
import { MllpError } from './mllp-errors.js';
import { until, writeTestPki } from './testing/index.js';
import { type ConnectionInfo, type MllpHandler, MllpServer, type MllpServerOptions, type ServerEvent } from './mllp-server.js';

const text = (b: Buffer) => b.toString('latin1');
const frame = (s: string) => encodeFrame(Buffer.from(s, 'latin1'));

/** A handler that answers "ACK:<payload>", optionally after a per-message delay, and records concurrency. */
function echoHandler(delays: Record<string, number> = {}) {
  const seen: string[] = [];
  let active = 0;
  let maxActive = 0;
  const handler: MllpHandler = {
    async handleFrame(payload: Buffer, _c: ConnectionInfo) {
      active += 1;
      maxActive = Math.max(maxActive, active);
      seen.push(text(payload));
      const delay = delays[text(payload)] ?? 0;
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      active -= 1;
      return Buffer.from(`ACK:${text(payload)}`, 'latin1');
    },
    handleOversize: (bytes) => Buffer.from(`NAK:oversize:${bytes}`, 'latin1'),
  };
  return { handler, seen, maxActive: () => maxActive };
}

const servers: MllpServer[] = [];
const clients: MllpClient[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await Promise.allSettled(servers.splice(0).map((s) => s.close(1000)));
});

async function start(handler: MllpHandler, options: Partial<MllpServerOptions> = {}) {
  const events: ServerEvent[] = [];
  const server = new MllpServer(handler, { host: '127.0.0.1', port: 0, onEvent: (e) => events.push(e), ...options });
  await server.listen();
  servers.push(server);
  return { server, events, port: server.address().port };
}

/** A handler that answers "ACK:<payload>" after `ms` per frame: a slow consumer for backpressure tests. */
function slowHandler(ms: number): MllpHandler {
  return {
    async handleFrame(payload: Buffer) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return Buffer.from(`ACK:${text(payload.subarray(0, 16)).split('x')[0]}`, 'latin1');
    },
    handleOversize: () => undefined,
  };
}

/** A raw socket that collects reply frames: for sending bytes no well-behaved client would. */
function rawPeer(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  const decoder = new FrameDecoder();
  const replies: string[] = [];
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('data', (chunk) => {
    for (const e of decoder.push(chunk)) if (e.kind === 'frame') replies.push(text(e.payload));
  });
  socket.on('error', () => undefined);
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, replies, closed, connected };
}

describe('MllpServer and MllpClient over real sockets', () => {
  it('answers each message on a persistent connection, in order', async () => {
    const { port } = await start(echoHandler().handler);
    const client = new MllpClient({ host: '127.0.0.1', port });
    clients.push(client);
    for (const m of ['ONE', 'TWO', 'THREE', 'FOUR']) expect(text(await client.send(Buffer.from(m)))).toBe(`ACK:${m}`);
  });

  it('serves pipelined frames one at a time, replies in arrival order, even when earlier ones are slower', async () => {
    const echo = echoHandler({ A: 60, B: 5, C: 30 });
    const { port } = await start(echo.handler);
    const peer = rawPeer(port);
    await peer.connected;
    peer.socket.write(Buffer.concat(['A', 'B', 'C', 'D', 'E'].map(frame)));
    await until(() => peer.replies.length === 5);
    expect(peer.replies).toEqual(['ACK:A', 'ACK:B', 'ACK:C', 'ACK:D', 'ACK:E']);
    expect(echo.seen).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(echo.maxActive()).toBe(1);
    peer.socket.destroy();
  });

  it('skips and reports junk before a frame, and still answers the frame', async () => {
    const { port, events } = await start(echoHandler().handler);
    const peer = rawPeer(port);
    await peer.connected;
    peer.socket.write(Buffer.concat([Buffer.from('GET / HTTP/1.0\r\n\r\n'), frame('MSG')]));
    await until(() => peer.replies.length === 1);
    expect(peer.replies).toEqual(['ACK:MSG']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'junk', bytes: 18, reason: 'outside-frame' }));
    peer.socket.destroy();
  });

  it('answers the frames before an oversize one, then NAKs it and closes the connection', async () => {
    const { port, events } = await start(echoHandler().handler, { maxFrameBytes: 100 });
    const peer = rawPeer(port);
    await peer.connected;
    peer.socket.write(Buffer.concat([frame('OK1'), frame('x'.repeat(500))]));
    await peer.closed;
    expect(peer.replies).toEqual(['ACK:OK1', 'NAK:oversize:500']);
    await until(() => events.some((e) => e.type === 'connection-closed'));
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-closed', reason: 'oversize' }));
  });

  it('closes a connection whose frame never finishes (slowloris deadline)', async () => {
    const { port, events } = await start(echoHandler().handler, { frameTimeoutMs: 150 });
    const peer = rawPeer(port);
    await peer.connected;
    peer.socket.write(Buffer.from('\x0bMSH|^~\\&|partial', 'latin1'));
    await peer.closed;
    await until(() => events.some((e) => e.type === 'connection-closed'));
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-closed', reason: 'frame-timeout' }));
  });

  it('closes an idle connection', async () => {
    const { port, events } = await start(echoHandler().handler, { idleTimeoutMs: 150 });
    const peer = rawPeer(port);
    await peer.closed;
    await until(() => events.some((e) => e.type === 'connection-closed'));
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-closed', reason: 'idle-timeout' }));
  });

  it('does not time out a connection while its message is being processed', async () => {
    const { port } = await start(echoHandler({ SLOW: 400 }).handler, { idleTimeoutMs: 150 });
    const client = new MllpClient({ host: '127.0.0.1', port });
    clients.push(client);
    expect(text(await client.send(Buffer.from('SLOW')))).toBe('ACK:SLOW');
  });

  it('refuses connections beyond maxConnections', async () => {
    const { port, events, server } = await start(echoHandler().handler, { maxConnections: 2 });
    const a = rawPeer(port);
    const b = rawPeer(port);
    await Promise.all([a.connected, b.connected]);
    await until(() => server.openConnections === 2);
    const c = rawPeer(port);
    await c.closed;
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-refused', reason: 'max-connections' }));
    a.socket.write(frame('still-served'));
    await until(() => a.replies.length === 1);
    a.socket.destroy();
    b.socket.destroy();
  });

  it('answers the frames of a peer that half-closes right after sending them, then ends the connection', async () => {
    const { port, events } = await start(echoHandler({ FIRST: 100 }).handler);
    const peer = rawPeer(port);
    await peer.connected;
    peer.socket.end(Buffer.concat([frame('FIRST'), frame('SECOND')]));
    await peer.closed;
    expect(peer.replies).toEqual(['ACK:FIRST', 'ACK:SECOND']);
    await until(() => events.some((e) => e.type === 'connection-closed'));
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-closed', reason: 'peer-closed' }));
  });

  it('times each frame on its own: a sender streaming frames back to back, never between frames, is not cut', async () => {
    // Each frame takes ~100 ms of a 1 s frame timeout (room for a loaded machine's late timers: 200 ms against 80 ms
    // was cut in a CI run); the connection sends for ~2.5 s, so a timer per connection would cut it.
    const { port, events } = await start(echoHandler().handler, { frameTimeoutMs: 1000 });
    const peer = rawPeer(port);
    await peer.connected;
    // Every write ends frame n and starts frame n+1, so a chunk never ends between frames; 25 writes over ~2.5 s.
    peer.socket.write(Buffer.from('\x0bM0', 'latin1'));
    for (let i = 1; i <= 25; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      peer.socket.write(Buffer.from(`\x1c\r\x0bM${i}`, 'latin1'));
    }
    await until(() => peer.replies.length === 25);
    expect(peer.replies).toEqual(Array.from({ length: 25 }, (_, i) => `ACK:M${i}`));
    expect(events.some((e) => e.type === 'connection-closed')).toBe(false);
    peer.socket.destroy();
  });

  it('bounds the bytes one connection queues: its socket is paused, every frame is still answered', async () => {
    const frameBytes = 256 * 1024;
    const { port, server } = await start(slowHandler(15), { maxQueuedBytesPerConnection: 1024 * 1024 });
    const peer = rawPeer(port);
    await peer.connected;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, server.bufferedBytes)), 2);
    peer.socket.write(Buffer.concat(Array.from({ length: 40 }, (_, i) => frame(`${i}:`.padEnd(frameBytes, 'x')))));
    await until(() => peer.replies.length === 40, 20000);
    clearInterval(sampler);
    expect(peer.replies.map((r) => r.split(':')[1])).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    // Queued (1 MiB) + the frame being handled + the frame being read + one socket read past the bound.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(1024 * 1024 + 2 * frameBytes + 64 * 1024);
    expect(server.bufferedBytes).toBe(0);
    peer.socket.destroy();
  });

  it('bounds the bytes held for all connections together: senders beyond it wait, none is lost', async () => {
    const frameBytes = 128 * 1024;
    const limit = 1024 * 1024;
    const { port, server } = await start(slowHandler(5), { maxBufferedBytes: limit });
    const peers = Array.from({ length: 6 }, () => rawPeer(port));
    await Promise.all(peers.map((p) => p.connected));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, server.bufferedBytes)), 2);
    peers.forEach((p, n) =>
      p.socket.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => frame(`${n}.${i}:`.padEnd(frameBytes, 'x'))))),
    );
    await until(() => peers.every((p) => p.replies.length === 10), 20000);
    clearInterval(sampler);
    for (const [n, p] of peers.entries())
      expect(p.replies.map((r) => r.split(':')[1])).toEqual(Array.from({ length: 10 }, (_, i) => `${n}.${i}`));
    expect(peak).toBeLessThanOrEqual(limit + peers.length * (64 * 1024 + frameBytes));
    for (const p of peers) p.socket.destroy();
  });

  it('closes the largest holder when only unfinished frames fill the server-wide bound (nothing else would free it)', async () => {
    const { port, events, server } = await start(echoHandler().handler, { maxBufferedBytes: 256 * 1024 });
    const small = rawPeer(port);
    const large = rawPeer(port);
    await Promise.all([small.connected, large.connected]);
    small.socket.write(Buffer.from('\x0b' + 's'.repeat(1000), 'latin1'));
    await until(() => server.bufferedBytes >= 1000);
    large.socket.write(Buffer.from('\x0b' + 'l'.repeat(300 * 1024), 'latin1'));
    await large.closed;
    await until(() => events.some((e) => e.type === 'connection-closed'));
    expect(events).toContainEqual(expect.objectContaining({ type: 'connection-closed', reason: 'memory-limit' }));
    small.socket.write(Buffer.from('\x1c\r', 'latin1'));
    await until(() => small.replies.length === 1);
    expect(small.replies[0]).toBe(`ACK:${'s'.repeat(1000)}`);
    small.socket.destroy();
  });

  it('closes gracefully: the message in flight is answered, then connections end and new ones are refused', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler: MllpHandler = {
      handleFrame: async (p) => {
        await gate;
        return Buffer.from(`ACK:${text(p)}`);
      },
      handleOversize: () => undefined,
    };
    const { port, server } = await start(handler);
    const busy = rawPeer(port);
    const idle = rawPeer(port);
    await Promise.all([busy.connected, idle.connected]);
    busy.socket.write(frame('INFLIGHT'));
    await until(() => server.openConnections === 2);
    const closing = server.close(5000);
    await idle.closed;
    release();
    await closing;
    await busy.closed;
    expect(busy.replies).toEqual(['ACK:INFLIGHT']);
    await expect(
      new Promise((resolve, reject) => net.connect({ host: '127.0.0.1', port }).on('connect', resolve).on('error', reject)),
    ).rejects.toThrow();
  });

  it('client: a timeout drops the connection so a late ACK is never taken for the next message', async () => {
    const { port } = await start(echoHandler({ LATE: 300 }).handler);
    const client = new MllpClient({ host: '127.0.0.1', port });
    clients.push(client);
    await expect(client.send(Buffer.from('LATE'), 100)).rejects.toMatchObject({ code: 'MLLP_TIMEOUT', retriable: true });
    expect(text(await client.send(Buffer.from('NEXT')))).toBe('ACK:NEXT');
  });

  it('client: retries the connection with exponential backoff, then fails with a typed error', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const delays: number[] = [];
    const client = new MllpClient({
      host: '127.0.0.1',
      port,
      reconnect: { initialDelayMs: 100, maxDelayMs: 300, maxAttempts: 4 },
      sleep: async (ms) => void delays.push(ms),
    });
    const failed = client.send(Buffer.from('X'));
    await expect(failed).rejects.toBeInstanceOf(MllpError);
    await expect(failed).rejects.toMatchObject({ code: 'MLLP_CONNECT_FAILED', context: { attempts: 4 } });
    expect(delays).toEqual([100, 200, 300]);
  });
});

describe('MLLP over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mllp-tls-'));

  const writePems = (prefix: string) => writeTestPki(dir, prefix);

  it('serves TLS 1.2+ and, with mutual TLS, requires and identifies the client certificate', async () => {
    const pems = await writePems('a');
    const peers: (string | undefined)[] = [];
    const echo = echoHandler();
    const identifying: MllpHandler = {
      ...echo.handler,
      handleFrame: (p, c) => (peers.push(c.peerCommonName), echo.handler.handleFrame(p, c)),
    };
    const { port } = await start(identifying, {
      tls: { keyFile: pems.keyFile, certFile: pems.certFile, caFile: pems.caFile, requireClientCert: true },
    });
    const withCert = new MllpClient({ host: '127.0.0.1', port, tls: { ca: pems.ca, cert: pems.clientCert, key: pems.clientKey } });
    clients.push(withCert);
    expect(text(await withCert.send(Buffer.from('SECURE')))).toBe('ACK:SECURE');
    expect(peers).toEqual(['a-client']);

    const withoutCert = new MllpClient({ host: '127.0.0.1', port, tls: { ca: pems.ca }, reconnect: { maxAttempts: 1 } });
    clients.push(withoutCert);
    await expect(withoutCert.send(Buffer.from('NOPE'), 2000)).rejects.toBeInstanceOf(MllpError);

    const oldTls = new MllpClient({
      host: '127.0.0.1',
      port,
      tls: { ca: pems.ca, cert: pems.clientCert, key: pems.clientKey, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' },
      reconnect: { maxAttempts: 1 },
    });
    clients.push(oldTls);
    await expect(oldTls.send(Buffer.from('OLD'), 2000)).rejects.toMatchObject({ code: 'MLLP_CONNECT_FAILED' });
  });

  it('counts TLS sockets still in their handshake against maxConnections and closes them at the handshake timeout', async () => {
    const pems = await writePems('d');
    const { port, events } = await start(echoHandler().handler, {
      tls: { keyFile: pems.keyFile, certFile: pems.certFile },
      maxConnections: 2,
      tlsHandshakeTimeoutMs: 300,
    });
    const silent = Array.from({ length: 5 }, () => rawPeer(port));
    await Promise.all(silent.map((p) => p.connected));
    await until(() => events.filter((e) => e.type === 'connection-refused').length === 3);
    const started = Date.now();
    await Promise.all(silent.map((p) => p.closed));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(events.filter((e) => e.type === 'connection-refused' && e.reason === 'max-connections')).toHaveLength(3);
    const client = new MllpClient({ host: '127.0.0.1', port, tls: { ca: pems.ca } });
    clients.push(client);
    expect(text(await client.send(Buffer.from('AFTER')))).toBe('ACK:AFTER');
  });

  it('with mutual TLS, serves only the client identities on the allow-list', async () => {
    const pems = await writePems('e');
    const tlsFiles = { keyFile: pems.keyFile, certFile: pems.certFile, caFile: pems.caFile, requireClientCert: true };
    const { port, events } = await start(echoHandler().handler, { tls: { ...tlsFiles, allowedClients: ['CN=e-client'] } });
    const allowed = new MllpClient({ host: '127.0.0.1', port, tls: { ca: pems.ca, cert: pems.clientCert, key: pems.clientKey } });
    clients.push(allowed);
    expect(text(await allowed.send(Buffer.from('IN')))).toBe('ACK:IN');

    const { port: strictPort, events: strictEvents } = await start(echoHandler().handler, {
      tls: { ...tlsFiles, allowedClients: ['CN=someone-else', 'DNS:lab.example.org'] },
    });
    const refused = new MllpClient({
      host: '127.0.0.1',
      port: strictPort,
      tls: { ca: pems.ca, cert: pems.clientCert, key: pems.clientKey },
      reconnect: { maxAttempts: 1 },
    });
    clients.push(refused);
    await expect(refused.send(Buffer.from('OUT'), 2000)).rejects.toBeInstanceOf(MllpError);
    expect(strictEvents).toContainEqual(expect.objectContaining({ type: 'connection-refused', reason: 'client-not-allowed' }));
    expect(events.some((e) => e.type === 'connection-refused')).toBe(false);
  });

  it('picks up new certificate files on reloadTls without a restart', async () => {
    const first = await writePems('b');
    const tlsFiles = { keyFile: join(dir, 'live-key.pem'), certFile: join(dir, 'live-cert.pem') };
    const copy = (p: { keyFile: string; certFile: string }) => {
      writeFileSync(tlsFiles.keyFile, readText(p.keyFile));
      writeFileSync(tlsFiles.certFile, readText(p.certFile));
    };
    copy(first);
    const { server, port, events } = await start(echoHandler().handler, { tls: tlsFiles });
    const certOf = () =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()!.fingerprint256);
          s.destroy();
        });
        s.on('error', reject);
      });
    const before = await certOf();
    const second = await writePems('c');
    copy(second);
    server.reloadTls();
    const after = await certOf();
    expect(after).not.toBe(before);
    expect(after).toBe(new X509Certificate(readText(second.certFile)).fingerprint256);
    expect(events).toContainEqual({ type: 'tls-reloaded' });

    // A half-written key (a Secret being replaced) keeps the current certificate and says so, instead of throwing.
    writeFileSync(tlsFiles.keyFile, '-----BEGIN PRIVATE KEY-----\ntruncated');
    server.reloadTls();
    expect(events.at(-1)).toMatchObject({ type: 'tls-reload-failed', error: { code: expect.stringMatching(/^ERR_OSSL/) } });
    expect(await certOf()).toBe(after);
  });
});

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

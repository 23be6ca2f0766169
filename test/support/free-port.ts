import { readFileSync } from 'node:fs';
import net from 'node:net';

// An app started by a test is told its port number before it binds. A port the kernel handed out for `listen(0)` comes
// from the ephemeral range, and so does the source port of every outgoing connection: between the check and the app's
// bind, a Kafka client's connection (of this or another app starting at the same time) can take it, and the app dies
// with EADDRINUSE. Ports below that range are never assigned to a connection, so only another listener could take one;
// within this process no port is handed out twice, and a random start keeps parallel jest workers apart.

const LOWEST = 10000;
const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (Linux; 32768 where it cannot be read). */
export const ephemeralStart = (rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): number => {
  try {
    const first = Number(readFileSync(rangeFile, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST + 1000 ? first : 32768;
  } catch {
    return 32768;
  }
};

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A TCP port free on 127.0.0.1 right now, outside the ephemeral range (for apps that need a port number before they start). */
export const freePort = async (): Promise<number> => {
  const end = ephemeralStart();
  const span = end - LOWEST;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i += 1) {
    const port = LOWEST + ((start + i) % span);
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port between ${LOWEST} and ${end - 1} on 127.0.0.1`);
};

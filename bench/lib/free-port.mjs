// A TCP port free on 127.0.0.1 right now (the OS picks it), for the processes the benchmarks start.
import net from 'node:net';

export const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

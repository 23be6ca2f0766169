import net from 'node:net';

/** A TCP port free on 127.0.0.1 right now (for apps that need a fixed port number before they start). */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

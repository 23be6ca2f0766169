import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralStart, freePort } from './free-port.js';

const rangeFile = (content: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'free-port-')), 'range');
  writeFileSync(file, content);
  return file;
};

describe('freePort', () => {
  it.each([
    ['the kernel range', '32768\t60999\n', 32768],
    ['a widened range', '15000 65000', 15000],
    ['a range that leaves no room below it', '1024 65535', 32768],
    ['an unreadable line', 'garbage', 32768],
  ])('reads the ephemeral start from %s', (_name, content, expected) => {
    expect(ephemeralStart(rangeFile(content))).toBe(expected);
  });

  it('falls back to 32768 when the range file is missing', () => {
    expect(ephemeralStart('/nonexistent/ip_local_port_range')).toBe(32768);
  });

  it('hands out distinct ports below the ephemeral range that an app can then bind', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(port).toBeLessThan(ephemeralStart());
    }
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

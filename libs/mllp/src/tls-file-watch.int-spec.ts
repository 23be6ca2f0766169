import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { until } from './testing/index.js';
import { watchTlsFiles } from './tls-file-watch.js';

describe('watchTlsFiles', () => {
  it('reloads once when the key and certificate are replaced together (as a Secret update does)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-watch-'));
    const key = join(dir, 'tls.key');
    const cert = join(dir, 'tls.crt');
    writeFileSync(key, 'key-1');
    writeFileSync(cert, 'cert-1');
    let reloads = 0;
    const stop = watchTlsFiles([key, cert], () => (reloads += 1), 50);
    try {
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(reloads).toBe(0);
      // Replace by rename, so the inode changes like an atomic Secret update.
      writeFileSync(`${key}.new`, 'key-2-longer');
      writeFileSync(`${cert}.new`, 'cert-2-longer');
      renameSync(`${key}.new`, key);
      renameSync(`${cert}.new`, cert);
      await until(() => reloads > 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(reloads).toBe(1);
    } finally {
      stop();
    }
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

type GenerateOptions = Parameters<typeof generate>[1];
const ec = { keyType: 'ec', algorithm: 'sha256' } as const;

export interface TestPki {
  keyFile: string;
  certFile: string;
  caFile: string;
  /** PEM texts, for clients. */
  ca: string;
  clientCert: string;
  clientKey: string;
}

/**
 * A throw-away CA that signs a server certificate for 127.0.0.1 and a client certificate (CN `<prefix>-client`),
 * written as PEM files into `dir`. For TLS tests only.
 */
export async function writeTestPki(dir: string, prefix: string): Promise<TestPki> {
  const ca = await generate([{ name: 'commonName', value: `${prefix}-test-ca` }], {
    ...ec,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
    ],
  } as GenerateOptions);
  const signedBy = { key: ca.private, cert: ca.cert };
  const san = [
    { name: 'basicConstraints', cA: false },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ];
  const server = await generate([{ name: 'commonName', value: `${prefix}-server` }], {
    ...ec,
    extensions: san,
    ca: signedBy,
  } as GenerateOptions);
  const client = await generate([{ name: 'commonName', value: `${prefix}-client` }], { ...ec, ca: signedBy } as GenerateOptions);
  const file = (name: string, content: string) => {
    const path = join(dir, `${prefix}-${name}.pem`);
    writeFileSync(path, content);
    return path;
  };
  return {
    keyFile: file('key', server.private),
    certFile: file('cert', server.cert),
    caFile: file('ca', ca.cert),
    ca: ca.cert,
    clientCert: client.cert,
    clientKey: client.private,
  };
}

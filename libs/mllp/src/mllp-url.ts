/** Where an MLLP peer listens: mllp://host:port, or mllps://host:port for TLS. */
export interface MllpEndpoint {
  host: string;
  port: number;
  tls: boolean;
}

const MLLP_URL = /^(mllps?):\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})\/?$/;

/** Reads `mllp://host:port` (`mllps://` for TLS; an IPv6 host in brackets); undefined for anything else. Pure. */
export function parseMllpUrl(text: string): MllpEndpoint | undefined {
  const match = MLLP_URL.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[2]!.replace(/^\[|\]$/g, ''), port, tls: match[1] === 'mllps' };
}

/**
 * Where emails go: smtp://host:port (STARTTLS required unless `startTls: 'off'`), smtps://host:port (TLS from the
 * first byte), or ses://<region> (Amazon SES v2, credentials from the runtime's role).
 */
export type EmailEndpoint = { kind: 'smtp'; host: string; port: number; implicitTls: boolean } | { kind: 'ses'; region: string };

/** Parses an email target URL; undefined for anything else. Pure. */
export function parseEmailUrl(text: string): EmailEndpoint | undefined {
  const ses = /^ses:\/\/([a-z]{2}(?:-[a-z]+)+-\d)\/?$/.exec(text);
  if (ses) return { kind: 'ses', region: ses[1]! };
  const smtp = /^(smtps?):\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})\/?$/.exec(text);
  if (!smtp) return undefined;
  const port = Number(smtp[3]);
  if (port < 1 || port > 65535) return undefined;
  return { kind: 'smtp', host: smtp[2]!.replace(/^\[|\]$/g, ''), port, implicitTls: smtp[1] === 'smtps' };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { projectTool, repoRoot } from './project-tool.js';

/** A mail as the SMTP server accepted it: the envelope, the message as sent (headers and body), over TLS or not. */
export interface ReceivedMail {
  mailfrom: string;
  rcpttos: string[];
  data: string;
  tls: boolean;
}

/**
 * A real SMTP server (aiosmtpd, test/support/smtp-sink.py) on a free port: STARTTLS required with the given
 * certificate (or none with `tls: false`), scripted refusals by recipient (bad-…: 550 at RCPT, throttle-once-…: 451
 * once, reject-…: 554 at DATA), and the mails it accepted.
 */
export class SmtpSink {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(options: { certFile?: string; keyFile?: string; tls?: boolean } = {}): Promise<SmtpSink> {
    const pythonPath = projectTool('smtp.sh', 'hl7r_ensure_aiosmtpd');
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'smtp-sink-'));
    const tls = options.tls ?? true;
    const args = [join(repoRoot, 'test/support/smtp-sink.py'), '--port', String(port), '--out', dir];
    if (tls) args.push('--cert', options.certFile!, '--key', options.keyFile!);
    else args.push('--no-tls');
    const child = spawn('python3', args, { env: { ...process.env, PYTHONPATH: pythonPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code}): ${errors}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('READY')) resolve();
      });
    });
    child.removeAllListeners('exit');
    return new SmtpSink(child, port, dir);
  }

  /** The mails accepted so far, in the order they were accepted. */
  mails(): ReceivedMail[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as ReceivedMail);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

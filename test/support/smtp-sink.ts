// A real SMTP server for tests (the smtp-server package on port 0): it
// accepts every message and hands each to the test, decoded enough to search
// its headers and text.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole message with quoted-printable soft breaks and escapes undone. */
  message: string;
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** Resolves with the first mail (past or future) that satisfies the predicate. */
  waitForMail(predicate: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Undoes quoted-printable encoding (soft line breaks and =XX escapes) of a whole message. */
export function decodeQuotedPrintable(text: string): string {
  const bytes = Buffer.from(
    text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
  return bytes.toString('utf8');
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const waiters: { predicate: (m: ReceivedMail) => boolean; resolve: (m: ReceivedMail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        const mail: ReceivedMail = {
          from,
          to: session.envelope.rcptTo.map((r) => r.address),
          message: decodeQuotedPrintable(Buffer.concat(chunks).toString('latin1')),
        };
        mails.push(mail);
        for (const w of [...waiters]) {
          if (w.predicate(mail)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(mail);
          }
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    waitForMail(predicate) {
      const seen = mails.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

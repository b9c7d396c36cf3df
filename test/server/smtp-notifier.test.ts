// The SMTP notifier against a real SMTP server started here (smtp-server on
// port 0), and against a port nothing listens on.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { SmtpNotifier } from '../../src/server/smtp-notifier.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
});

afterAll(async () => {
  await sink.close();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the SMTP notifier', () => {
  it('mails a notice to every recipient, from the configured sender', async () => {
    const notifier = new SmtpNotifier({
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      from: 'tollgate@msp.example',
      timeoutMs: 5_000,
    });
    const text = `Request 42 was escalated.\nFile: /opt/a very long path/${'x'.repeat(120)}/tool.bin\nUser: Zoë\n`;
    await notifier.send({
      to: ['it@msp.example', 'sec@msp.example'],
      subject: 'Approval request escalated: tool.bin',
      text,
    });
    notifier.close();
    notifier.close();
    const mail = await sink.waitForMail((m) => m.message.includes('Request 42'));
    expect(mail.from).toBe('tollgate@msp.example');
    expect(mail.to).toEqual(['it@msp.example', 'sec@msp.example']);
    expect(mail.message).toContain('Subject: Approval request escalated: tool.bin');
    expect(mail.message).toContain(`${'x'.repeat(120)}/tool.bin`);
    expect(mail.message).toContain('User: Zoë');
  });

  it('fails with notify-failed, naming the mail server, when it cannot deliver', async () => {
    const port = await closedPort();
    const notifier = new SmtpNotifier({
      host: '127.0.0.1',
      port,
      secure: false,
      from: 'tollgate@msp.example',
      timeoutMs: 5_000,
    });
    const sent = notifier.send({ to: ['it@msp.example'], subject: 's', text: 't' });
    await expect(sent).rejects.toBeInstanceOf(TollgateError);
    const error = (await sent.catch((e: unknown) => e)) as TollgateError;
    expect(error.code).toBe('notify-failed');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    notifier.close();
    await expect(notifier.send({ to: ['a@b.example'], subject: 's', text: 't' })).rejects.toMatchObject({
      code: 'notifier-closed',
    });
  });
});

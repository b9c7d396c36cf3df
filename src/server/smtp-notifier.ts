/** The SMTP notifier: mails notices through the mail server of the server config (`smtp`). */
import nodemailer, { type Transporter } from 'nodemailer';
import { TollgateError } from '../engine/errors.js';
import type { Notice, Notifier } from './notifier.js';

export interface SmtpNotifierOptions {
  host: string;
  port: number;
  /** TLS from the start (port 465 style); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** The sender address. */
  from: string;
  auth?: { user: string; pass: string };
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTls?: boolean;
  /** Connection, greeting and socket timeouts. */
  timeoutMs: number;
}

/** Sends each notice as one plain-text mail to all its recipients. */
export class SmtpNotifier implements Notifier {
  readonly name = 'smtp';
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly where: string;
  private closed = false;

  constructor(options: SmtpNotifierOptions) {
    this.from = options.from;
    this.where = `${options.host}:${options.port}`;
    this.transport = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: options.requireTls === true,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      ...(options.auth === undefined ? {} : { auth: options.auth }),
    });
  }

  async send(notice: Notice): Promise<void> {
    if (this.closed) throw new TollgateError('notifier-closed', 'the SMTP notifier is closed');
    try {
      await this.transport.sendMail({ from: this.from, to: notice.to, subject: notice.subject, text: notice.text });
    } catch (error) {
      throw new TollgateError(
        'notify-failed',
        `the mail server ${this.where} did not take the notice: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }
}

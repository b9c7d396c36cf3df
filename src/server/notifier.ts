/**
 * How the server tells people about approval requests: an escalation sends a
 * notice to the organization's escalation addresses through a Notifier. The
 * SMTP notifier (smtp-notifier.ts) mails it; without a mail server the log
 * notifier only writes it to the server log (the request still records it).
 */

/** One message to send. */
export interface Notice {
  to: string[];
  subject: string;
  text: string;
}

/** Sends notices; `name` is recorded with each notice sent (e.g. `smtp`). */
export interface Notifier {
  readonly name: string;
  /** Resolves once the notice is handed over (accepted by the mail server); rejects naming what failed. */
  send(notice: Notice): Promise<void>;
  /** Releases connections; safe to call twice. */
  close(): void;
}

/** What the log notifier writes with. */
export interface NoticeLogger {
  info(obj: object, msg: string): void;
}

/** A notifier for servers without a mail server: each notice becomes one log line. */
export class LogNotifier implements Notifier {
  readonly name = 'log';
  private readonly logger: NoticeLogger;

  constructor(logger: NoticeLogger) {
    this.logger = logger;
  }

  send(notice: Notice): Promise<void> {
    this.logger.info(
      { to: notice.to, subject: notice.subject, text: notice.text },
      'notice (no mail server configured)',
    );
    return Promise.resolve();
  }

  close(): void {}
}

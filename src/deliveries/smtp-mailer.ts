// Sends e-mail deliveries through the operator's SMTP server (the configuration file's `smtp`), with nodemailer.
// Pooled connections; every phase bounded by the configured timeout; nodemailer's own logging off, so no message
// (which carries the lead) ever reaches a log.
import nodemailer from "nodemailer";
import type { Smtp } from "../domain/config-schema.ts";

const DEFAULT_TIMEOUT_MS = 15_000;

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  attachments: { filename: string; content: string }[];
  /** The same on every retry of one delivery, so a mailbox (or the buyer) can tell a repeat. */
  messageId: string;
  headers: Record<string, string>;
}

export interface Mailer {
  /** Resolves once the server accepted the message (for at least one recipient); rejects with its reason otherwise. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** A mailer on the configured server; GAVEL_SMTP_PASSWORD (passed as `password`) wins over `auth.pass`. */
export function smtpMailer(smtp: Smtp, password?: string): Mailer {
  const timeoutMs = smtp.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const pass = password ?? smtp.auth?.pass;
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    host: smtp.host,
    port: smtp.port ?? (smtp.secure ? 465 : 587),
    secure: smtp.secure ?? false,
    ...(smtp.auth ? { auth: { user: smtp.auth.user, ...(pass === undefined ? {} : { pass }) } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
    // Attachments are built in memory; never let a message read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const domain = /@([^>\s]+)>?\s*$/.exec(smtp.from)?.[1] ?? "gavel.invalid";
  return {
    async send(message) {
      // nodemailer rejects when no recipient was accepted; a message some recipient took is delivered (sending it
      // again would repeat it to those who have it).
      await transport.sendMail({
        from: smtp.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        attachments: message.attachments.map((a) => ({ ...a, contentType: "application/json" })),
        messageId: `<${message.messageId}@${domain}>`,
        headers: message.headers,
      });
    },
    close() {
      transport.close();
    },
  };
}

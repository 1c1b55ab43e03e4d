// A real SMTP server in the test process (smtp-server): keeps every message it accepts, and can be told to refuse the
// next few with a temporary error, as a busy mail server does. Plus a small MIME reader for what nodemailer sends.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  /** DATA commands answered, refused ones included. */
  attempts = 0;
  readonly #refusals: number[] = [];
  readonly #server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: no self-signed certificate for the client to refuse.
    disabledCommands: ["STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        this.attempts++;
        const refusal = this.#refusals.shift();
        if (refusal !== undefined) {
          callback(Object.assign(new Error("Mailbox busy, try again later"), { responseCode: refusal }));
          return;
        }
        this.messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.server.address() as AddressInfo).port;
  }

  /** Refuses the next messages with these SMTP codes (e.g. 451), then accepts again. */
  refuse(...codes: number[]): void {
    this.#refusals.push(...codes);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export interface MimePart {
  headers: Record<string, string>;
  /** Decoded (base64 and quoted-printable undone). */
  body: string;
}

/** The leaf parts of a message (the message itself when it is not multipart), decoded. */
export function mimeParts(raw: string): MimePart[] {
  const [head = "", ...rest] = raw.split("\r\n\r\n");
  const headers = parseHeaders(head);
  const body = rest.join("\r\n\r\n");
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers["content-type"] ?? "")?.[1];
  if (!boundary) return [{ headers, body: decode(body, headers["content-transfer-encoding"]) }];
  return body
    .split(`--${boundary}`)
    .slice(1, -1)
    .flatMap((part) => mimeParts(part.replace(/^\r\n/, "")));
}

/** A header of the message's top level, unfolded. */
export function mailHeader(raw: string, name: string): string | undefined {
  return parseHeaders(raw.split("\r\n\r\n")[0] ?? "")[name.toLowerCase()];
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function decode(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable":
      return Buffer.from(
        body
          .replace(/=\r\n/g, "")
          .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        "latin1",
      ).toString("utf8");
    default:
      return body;
  }
}

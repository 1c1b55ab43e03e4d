// What crossing to the SQLite writer thread costs each side, per message, for the real messages of a run (captured
// with bench/writer-messages-capture.ts): the sender's `postMessage` and the receiver's `receiveMessageOnPort` (the
// structured clone's serialize and deserialize) on a MessageChannel in this thread, for each way of sending them.
//
//   node bench/writer-messages.ts <capture.bin> [--rounds 6] [--repeat 10]
//
// Ping batches: `clone` (today), `json` (one string), `clone, texts` (each ping's lead, bids and quality as JSON text,
// made by the sender), `clone, texts, lead cached` (the lead's text made already, as its native ping body makes it).
// The receiver's work includes the ping columns' JSON.stringify that a form leaves to it. Post writes: `clone`,
// `json`, and each without a sale's ledger rows (the receiver deriving them with saleEntries). Replies: `clone`,
// `json`, `compact` (a bare success as its number). CPU is this thread's (process.threadCpuUsage) over whole passes of
// the capture, the ways alternating each round; getrusage counts by ticks, so only whole passes are read.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { deserialize } from "node:v8";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
import type { LeadRecord } from "../src/domain/records.ts";
import { saleEntries } from "../src/engine/ledger.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string", default: "6" }, repeat: { type: "string", default: "10" } },
});
type Request = { op: string; args?: unknown[] };
type Message = { id: number; request: Request }[];

const buffer = readFileSync(positionals[0]!);
const toWriter: Message[] = [];
const replies: unknown[] = [];
for (let at = 0; at < buffer.length; ) {
  const direction = buffer[at]!;
  const length = buffer.readUInt32LE(at + 1);
  const message = deserialize(buffer.subarray(at + 5, at + 5 + length));
  if (direction === 0) toWriter.push(message as Message);
  else replies.push(message);
  at += 5 + length;
}
const isPingMessage = (message: Message) =>
  message.every(({ request }) => request.op === "appendAuctionEvents" || request.op === "claimOutbox");

/** A message with each sale's ledger rows left out (the receiver derives them from the lead). */
function withoutLedger(message: Message): Message {
  return message.map(({ id, request }) =>
    request.op === "saveLead"
      ? { id, request: { op: request.op, args: request.args!.map((arg, i) => (i === 3 ? null : arg)) } }
      : { id, request },
  );
}
function deriveLedger(message: Message): Message {
  for (const { request } of message) {
    if (request.op === "saveLead" && request.args![3] === null) {
      request.args![3] = saleEntries(request.args![0] as LeadRecord);
    }
  }
  return message;
}

type Ping = { lead: unknown; bids: unknown; quality?: unknown } & Record<string, unknown>;
const pingsOf = (message: Message): Ping[] =>
  message.flatMap(({ request }) =>
    request.op === "appendAuctionEvents" ? (request.args![0] as Ping[]) : [],
  );
/** What the writer does with a ping's JSON columns: the text of each, built there unless it came as text. */
function pingColumnTexts(message: Message): void {
  for (const ping of pingsOf(message)) {
    if (typeof ping.lead !== "string") JSON.stringify(ping.lead);
    if (typeof ping.bids !== "string") JSON.stringify(ping.bids);
    if (ping.quality !== undefined && typeof ping.quality !== "string") JSON.stringify(ping.quality);
  }
}
/** The ping batch with each ping's JSON columns as text (`leadToo`: the lead's too; else it is taken as cached). */
function withColumnTexts(message: Message, leadToo: boolean, cachedLead: Map<unknown, string>): Message {
  return message.map(({ id, request }) => {
    if (request.op !== "appendAuctionEvents") return { id, request };
    const [pings, outcomes] = request.args as [Ping[], unknown[]];
    const texts = pings.map((ping) => ({
      ...ping,
      lead: leadToo ? JSON.stringify(ping.lead) : cachedLead.get(ping.lead)!,
      bids: JSON.stringify(ping.bids),
      ...(ping.quality === undefined ? {} : { quality: JSON.stringify(ping.quality) }),
    }));
    return { id, request: { op: request.op, args: [texts, outcomes] } };
  });
}
type Reply = { id: number; ok: boolean; result?: unknown; message?: string };
/** Replies as numbers for each bare success, an object only for a result or an error. */
const compactReplies = (replies: Reply[]) =>
  replies.map((reply) => (reply.ok && reply.result === undefined ? reply.id : reply));

interface Way {
  name: string;
  /** Outside the timing: what the sender already has. */
  prepare?(message: unknown): unknown;
  /** The sender's work before postMessage (timed with it). */
  send(message: unknown): unknown;
  /** The receiver's work after receiveMessageOnPort (timed with it). */
  receive(data: unknown): unknown;
}
const cachedLead = new Map<unknown, string>();
const pingWays: Way[] = [
  { name: "clone", send: (m) => m, receive: (d) => pingColumnTexts(d as Message) },
  { name: "json", send: (m) => JSON.stringify(m), receive: (d) => pingColumnTexts(JSON.parse(d as string)) },
  {
    name: "clone, texts",
    send: (m) => withColumnTexts(m as Message, true, cachedLead),
    receive: (d) => pingColumnTexts(d as Message),
  },
  {
    name: "clone, texts, lead cached",
    prepare: (m) => {
      for (const ping of pingsOf(m as Message)) cachedLead.set(ping.lead, JSON.stringify(ping.lead));
      return m;
    },
    send: (m) => withColumnTexts(m as Message, false, cachedLead),
    receive: (d) => pingColumnTexts(d as Message),
  },
];
const postWays: Way[] = [
  { name: "clone", send: (m) => m, receive: (d) => d },
  { name: "json", send: (m) => JSON.stringify(m), receive: (d) => JSON.parse(d as string) },
  {
    name: "clone, no ledger",
    prepare: (m) => withoutLedger(m as Message),
    send: (m) => m,
    receive: (d) => deriveLedger(d as Message),
  },
  {
    name: "json, no ledger",
    prepare: (m) => withoutLedger(m as Message),
    send: (m) => JSON.stringify(m),
    receive: (d) => deriveLedger(JSON.parse(d as string)),
  },
];
const replyWays: Way[] = [
  { name: "clone", send: (m) => m, receive: (d) => d },
  { name: "json", send: (m) => JSON.stringify(m), receive: (d) => JSON.parse(d as string) },
  { name: "compact", send: (m) => compactReplies(m as Reply[]), receive: (d) => d },
];
const groups: [string, unknown[], Way[]][] = [
  ["ping batches", toWriter.filter(isPingMessage), pingWays],
  ["post writes", toWriter.filter((message) => !isPingMessage(message)), postWays],
  ["replies", replies, replyWays],
];

const { port1, port2 } = new MessageChannel();
const repeat = Number(values.repeat);
/**
 * µs per message: the sender's part and the receiver's part, each as this thread's CPU (getrusage: whole passes, not
 * single calls, as Linux counts a thread's time by ticks) and as wall time (performance.now).
 */
function pass(way: Way, messages: unknown[]) {
  const prepared = messages.map((message) => (way.prepare ? way.prepare(message) : message));
  let send = 0;
  let receive = 0;
  let sendWall = 0;
  let receiveWall = 0;
  for (let r = 0; r < repeat; r++) {
    const w0 = performance.now();
    const t0 = process.threadCpuUsage();
    for (const message of prepared) port1.postMessage(way.send(message));
    const t1 = process.threadCpuUsage(t0);
    const w1 = performance.now();
    for (let i = 0; i < prepared.length; i++) way.receive(receiveMessageOnPort(port2)!.message);
    const t2 = process.threadCpuUsage(t0);
    const w2 = performance.now();
    send += t1.user + t1.system;
    receive += t2.user + t2.system - (t1.user + t1.system);
    sendWall += 1000 * (w1 - w0);
    receiveWall += 1000 * (w2 - w1);
  }
  const n = prepared.length * repeat;
  return { send: send / n, receive: receive / n, sendWall: sendWall / n, receiveWall: receiveWall / n };
}

const rounds = Number(values.rounds);
for (const [label, messages, ways] of groups) {
  if (messages.length === 0) continue;
  console.log(`${label}: ${messages.length} messages`);
  const results = new Map<string, Record<"send" | "receive" | "sendWall" | "receiveWall", number[]>>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ways : [...ways].reverse();
    for (const way of order) {
      const sample = pass(way, messages);
      const entry = results.get(way.name) ?? { send: [], receive: [], sendWall: [], receiveWall: [] };
      for (const key of ["send", "receive", "sendWall", "receiveWall"] as const) entry[key].push(sample[key]);
      results.set(way.name, entry);
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  const fmt = (list: number[]) => list.map((x) => x.toFixed(1)).join(" ");
  for (const [name, { send, receive, sendWall, receiveWall }] of results) {
    const sums = send.map((s, i) => s + receive[i]!);
    console.log(
      `  ${name.padEnd(15)} CPU send ${median(send).toFixed(1)} µs [${fmt(send)}], receive ${median(receive).toFixed(1)} µs [${fmt(receive)}], both ${median(sums).toFixed(1)}; wall min send ${Math.min(...sendWall).toFixed(1)}, receive ${Math.min(...receiveWall).toFixed(1)}`,
    );
  }
}

// Preload (`node --import ./bench/writer-messages-capture.ts`) that records the messages the main thread posts to
// the SQLite writer thread, and the thread's replies, as they are (v8.serialize, length-prefixed), for
// bench/writer-messages.ts to replay. Capture file: $GAVEL_CAPTURE_DIR/writer-<pid>.bin; the first
// $GAVEL_CAPTURE_SKIP messages (default 200, the start's) are skipped, at most $GAVEL_CAPTURE_LIMIT (default 4000) kept.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { serialize } from "node:v8";
import { isMainThread, Worker } from "node:worker_threads";

const dir = process.env.GAVEL_CAPTURE_DIR;
if (isMainThread && dir) {
  const file = join(dir, `writer-${process.pid}.bin`);
  const skip = Number(process.env.GAVEL_CAPTURE_SKIP ?? 200);
  const limit = Number(process.env.GAVEL_CAPTURE_LIMIT ?? 4000);
  let seen = 0;
  let kept = 0;
  /** Direction 0: main → writer; 1: writer → main. */
  const keep = (direction: number, message: unknown) => {
    if (seen++ < skip || kept >= limit) return;
    kept++;
    const body = serialize(message);
    const head = Buffer.alloc(5);
    head.writeUInt8(direction, 0);
    head.writeUInt32LE(body.length, 1);
    appendFileSync(file, Buffer.concat([head, body]));
  };
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: never[]) {
    keep(0, message);
    return post.call(this, message, ...rest);
  };
  const emit = Worker.prototype.emit;
  Worker.prototype.emit = function (this: Worker, event: string | symbol, ...args: unknown[]) {
    if (event === "message") keep(1, args[0]);
    return emit.call(this, event, ...args);
  } as typeof Worker.prototype.emit;
}

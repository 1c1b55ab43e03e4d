// A TCP proxy in the test process between an exchange and one of its services (PostgreSQL, Redis): the test cuts,
// stalls and restores the service's connections without touching the real service, which other runs on this machine
// share.
import net from "node:net";

export interface TcpProxy {
  /** The port the exchange connects to (127.0.0.1). */
  port: number;
  /**
   * The service "goes away": every forwarded connection is reset, and until `restore` every new connection is
   * accepted and reset at once (the port stays bound, so nothing else can take it meanwhile).
   */
  cut(): void;
  /**
   * The network "drops packets": connections stay open (new ones are accepted too) but no byte crosses in either
   * direction until `restore`, which delivers what was held back, as TCP would once a partition heals.
   */
  stall(): void;
  /**
   * The next request matching `pattern` (client to server) reaches the service, but the connection dies before its
   * reply comes back: the service did the work and the client cannot know. New connections are forwarded as usual,
   * unless `thenCut`: the service goes away as it answers, and the proxy is cut (see `cut`) until `restore`.
   */
  loseNextReply(pattern: RegExp, options?: { thenCut?: boolean }): void;
  /** Forwarding as normal again. */
  restore(): void;
  close(): Promise<void>;
}

type Mode = "open" | "cut" | "stalled";

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  /** Writes of bytes that arrived while stalled, in arrival order. */
  let heldBack: (() => void)[] = [];
  let mode: Mode = "open";
  let loseReplyTo: RegExp | undefined;
  let cutOnLoss = false;
  /** Connections whose next reply is to be lost: the request went through. */
  const doomed = new WeakSet<net.Socket>();
  const forward = (from: net.Socket, to: net.Socket, direction: "request" | "reply") => {
    from.on("data", (chunk: Buffer) => {
      if (direction === "reply" && doomed.has(from)) {
        from.resetAndDestroy();
        to.resetAndDestroy();
        if (cutOnLoss) {
          cutOnLoss = false;
          mode = "cut";
          resetAll();
        }
        return;
      }
      if (direction === "request" && loseReplyTo?.test(chunk.toString("latin1"))) {
        loseReplyTo = undefined;
        doomed.add(to);
      }
      if (mode === "stalled") heldBack.push(() => to.write(chunk));
      else to.write(chunk);
    });
  };
  const server = net.createServer((client) => {
    client.on("error", () => {});
    if (mode === "cut") {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    upstream.on("error", () => {});
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream, "request");
    forward(upstream, client, "reply");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  const resetAll = () => {
    heldBack = [];
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };
  return {
    port,
    cut() {
      mode = "cut";
      resetAll();
    },
    stall() {
      mode = "stalled";
    },
    loseNextReply(pattern, options = {}) {
      loseReplyTo = pattern;
      cutOnLoss = options.thenCut === true;
    },
    restore() {
      mode = "open";
      loseReplyTo = undefined;
      cutOnLoss = false;
      for (const write of heldBack.splice(0)) write();
    },
    async close() {
      mode = "cut";
      resetAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

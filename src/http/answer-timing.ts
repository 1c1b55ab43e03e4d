// How long each seller answer took (a ping, post or direct post, native or compatible), for the console's live numbers.
// Heard by a route-level onResponse hook on the seller routes alone: a root hook would run on every request and need
// `request.routeOptions` to tell a seller route, an object fastify builds afresh on every read.
import type { onResponseHookHandler } from "fastify";

/** Hears one seller answer's time, in ms from the request's arrival to the answer's last byte handed to the socket. */
export type AnswerObserver = (ms: number) => void;

/** Route options adding the hook that times the answer (none without an observer: the console is off). */
export function answerTimingHook(observe: AnswerObserver | undefined): {
  onResponse?: onResponseHookHandler;
} {
  if (observe === undefined) return {};
  return {
    onResponse: (_request, reply, done) => {
      observe(reply.elapsedTime);
      done();
    },
  };
}

// What "test this campaign" (POST /v1/admin/campaigns/:id/test-ping) answers about the buyer's side: the one
// definition the exchange (admin-test-routes.ts) sends and the console (web/src/screens/campaign-config.tsx) reads.
// Types only, so the browser build can import it.

/**
 * One HTTP exchange between the exchange and the campaign's buyer, as it crossed the wire. `raw` is a list of them:
 * none when the campaign was not pinged (fixed price, or not eligible), one per buyer request otherwise, so a list
 * says "not pinged" and "pinged" alike without a null, in the order the requests went out.
 */
export interface TestPingWire {
  /** Credential headers shown with only their last 4 characters. */
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  /** Absent when no answer came back; the body is cut at 16 KiB. */
  response?: { status: number; latency_ms: number; body: string };
  /** Why no answer came back: `timeout`, `unreachable`, `too_large`. */
  failure?: string;
}

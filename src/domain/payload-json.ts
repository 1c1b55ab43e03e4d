// The JSON text of an auction's ping payload (the lead's non-PII values its buyers are sent, kept as its ping record's
// `lead`), made once per payload: every native campaign of the auction sends the same text (the largest part of each
// ping body), and the ping's row stores it (the SQLite writer thread is sent the text instead of the object). Weak, so
// it lives as long as the payload; the engine builds a new payload per auction and never changes one after it is sent.
const texts = new WeakMap<object, string>();

/** The payload's JSON text, made now if no one has made it yet. */
export function payloadJson(payload: object): string {
  let text = texts.get(payload);
  if (text === undefined) {
    text = JSON.stringify(payload);
    texts.set(payload, text);
  }
  return text;
}

/** The payload's JSON text if it was made already (its auction pinged a native buyer), else undefined. */
export function payloadJsonIfMade(payload: object): string | undefined {
  return texts.get(payload);
}

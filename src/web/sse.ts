/**
 * Reading a server-sent event stream from a fetch body (the counter's verdict stream: an EventSource
 * cannot send the API key in the Authorization header). Shared by the counter page and the programs
 * that act as a counter.
 */

/**
 * Hands each event's `data:` line, parsed as JSON, to `onEvent` until it returns true: then stops
 * reading and resolves true. Resolves false when the stream ends first.
 */
export async function readEvents(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
  onEvent: (data: unknown) => boolean,
): Promise<boolean> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = event.split("\n").find((l) => l.startsWith("data: "));
      if (data && onEvent(JSON.parse(data.slice(6)))) {
        void reader.cancel();
        return true;
      }
    }
  }
}

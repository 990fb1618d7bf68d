// Writing a Prometheus answer to a socket as it drains: the pieces of prometheusChunks are rendered only as fast as
// the scraper reads them, so a slow or stalled scraper holds one piece and its generator (the snapshot), never the
// whole answer; a scraper that goes away stops the rendering. HAProxy's exporter streams the same way (its applet
// fills the response buffer and waits for room). The stats thread.

import type { Writable } from 'node:stream';

/**
 * Writes every piece of `pieces` to `out` (an http.ServerResponse or a socket), waiting for 'drain' whenever `out`'s
 * buffer is full, then ends `out`. Resolves true once all was handed to `out`, false when `out` closed or failed
 * first (the generator is then closed: nothing more is rendered). Never rejects.
 */
export function writePrometheus(pieces: Generator<string, void, void>, out: Writable): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let settled = false;
    const finish = (complete: boolean): void => {
      if (settled) return;
      settled = true;
      out.off('drain', pump);
      out.off('close', onClose);
      out.off('error', onClose);
      if (!complete) pieces.return(undefined);
      resolve(complete);
    };
    const onClose = (): void => finish(false);
    function pump(): void {
      // Bounded: each turn hands on pieces until the buffer is full, then waits for 'drain' (or the close).
      for (;;) {
        if (settled) return;
        if (out.destroyed || out.writableEnded) return finish(false);
        let next: IteratorResult<string, void>;
        try {
          next = pieces.next();
        } catch {
          // The renderer does not throw on any snapshot; should a collector's generator do so, the answer is cut.
          out.destroy();
          return finish(false);
        }
        if (next.done === true) {
          out.end();
          return finish(true);
        }
        if (!out.write(next.value)) return;
      }
    }
    out.on('drain', pump);
    out.once('close', onClose);
    out.once('error', onClose);
    pump();
  });
}

// HTTP backends for queue tests (server maxconn, timeout queue, fairness): the tagged servers of http-backends.ts,
// answering each request after the `?delay=<ms>` its URL asks for, and recording how many requests each one was
// serving at once (a proxy that lets more through than `maxconn` shows up here). Test-runner thread; 127.0.0.1 only.

import { startHttpBackends, type HttpBackends } from './http-backends.js';

export interface PacedHttpBackends extends HttpBackends {
  /** Most requests `name` was serving at the same time since the start (or the last resetPeak). */
  peak(name: string): number;
  /** Requests `name` is serving now. */
  inFlight(name: string): number;
  resetPeak(): void;
}

/** Starts one paced server per name on 127.0.0.1:0 (see the file header). Close it in `t.after`. */
export async function startPacedHttpBackends(names: readonly string[]): Promise<PacedHttpBackends> {
  const now = new Map<string, number>();
  const top = new Map<string, number>();
  const farm = await startHttpBackends(names, (name, req, res, seen) => {
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    const n = (now.get(name) ?? 0) + 1;
    now.set(name, n);
    top.set(name, Math.max(top.get(name) ?? 0, n));
    req.on('data', (c: Buffer) => (seen.bodyBytes += c.length));
    req.on('end', () => {
      const timer = setTimeout(() => {
        now.set(name, (now.get(name) ?? 1) - 1);
        const body = `${name}\n`;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'x-server': name });
        res.end(body);
      }, delay);
      // A request whose connection the proxy dropped is no longer being served.
      res.on('close', () => {
        if (res.writableFinished) return;
        clearTimeout(timer);
        now.set(name, (now.get(name) ?? 1) - 1);
      });
    });
  });
  return {
    ...farm,
    peak: (name) => top.get(name) ?? 0,
    inFlight: (name) => now.get(name) ?? 0,
    resetPeak: () => top.clear(),
  };
}

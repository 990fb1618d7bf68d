// Readiness of a started proxy: its port in LISTEN state in /proc/net/tcp (no probe connection, so nothing reaches a
// backend or a counter before the measurement). Bench runner main thread.

import { isListening } from '../tests/support/haproxy-process.js';
import type { BenchChild } from './process-group.js';

/**
 * Resolves once 127.0.0.1:port listens; rejects with the child's output when it exits first or after timeoutMs.
 * Polls every 20 ms (no event exists for "someone else started listening").
 */
export async function waitListening(port: number, child: BenchChild, timeoutMs: number): Promise<void> {
  let exited: number | null | undefined;
  void child.exited.then((c) => {
    exited = c;
  });
  const deadline = Date.now() + timeoutMs;
  while (!isListening(port)) {
    if (exited !== undefined) throw new Error(`${child.name} exited (${exited}) before listening on ${port}:\n${child.output().slice(-2000)}`);
    if (Date.now() > deadline) {
      await child.stop('SIGKILL');
      throw new Error(`${child.name} not listening on ${port} after ${timeoutMs} ms:\n${child.output().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

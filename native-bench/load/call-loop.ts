// The measuring loop shared by the DolphinDB load generators (binary API and WebSocket): every session calls in a
// loop until the deadline, then one JSON line with calls/s, the calls counted, p50/p99 latency in ms and the error
// count is printed; `window start` / `window end` lines bound the counting time (the runner reads the proxy's CPU
// there). Load-generator processes only.

/** One session as the loop sees it: a call to time, and a close. */
export interface LoadSession {
  call(): Promise<unknown>;
  close(): void;
}

/**
 * Runs the sessions for `durationMs` (a session that fails stops and counts one error), closes them, prints the
 * result line on stdout. `errors` carries failures from before the clock (opening, warm-up). Never rejects.
 */
export async function runCallLoop(sessions: readonly LoadSession[], durationMs: number, errors: number): Promise<void> {
  const latencies: number[] = [];
  let failed = errors;
  process.stdout.write('window start\n');
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    sessions.map(async (s) => {
      while (performance.now() < end) {
        const start = performance.now();
        try {
          await s.call();
          latencies.push(performance.now() - start);
        } catch {
          failed++;
          return;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - t0) / 1000;
  process.stdout.write('window end\n');
  for (const s of sessions) s.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  process.stdout.write(`${JSON.stringify({ callsPerS: latencies.length / elapsedS, calls: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), errors: failed })}\n`);
}

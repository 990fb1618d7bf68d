// SIGQUIT's memory dump, orcalb's counterpart of HAProxy's pool dump (management.txt §6): each thread measures its
// own V8 isolate, the main thread gathers the answers and writes one line per thread, then the totals.
// threadMemory() runs on any thread; memoryDumpLines() is pure. A rare operator action, not a hot path.

/** One isolate's figures, in bytes (process.memoryUsage() read on that thread). */
export interface MemoryFigures {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** The calling thread's own figures. Allocates one object; never throws. */
export function threadMemory(): MemoryFigures {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** What one thread answered (or did not answer in time: figures undefined). */
export interface ThreadMemory {
  /** 'main', 'acceptor', 'health-checker' or 'forwarder N'. */
  readonly name: string;
  readonly figures: MemoryFigures | undefined;
  /** Live client connections the thread holds (forwarders; read from the shared buffer). */
  readonly liveConns?: number;
}

export interface MemoryDump {
  /** Resident set size of the whole process (threads share it). */
  readonly rss: number;
  readonly threads: readonly ThreadMemory[];
  /** Process-wide live client connections (the global maxconn counter). */
  readonly liveConns: number;
  /** How long the main thread waited for the answers, for the "no answer" lines. */
  readonly waitedMs: number;
}

function figuresText(f: MemoryFigures): string {
  return `heap ${f.heapUsed} used / ${f.heapTotal} total, external ${f.external}, array buffers ${f.arrayBuffers} bytes`;
}

/**
 * The lines of a SIGQUIT dump: a header, the process line, one line per thread (a thread that did not answer is
 * named, since a wedged thread is what an operator looks for), then the totals over the threads that answered.
 */
export function memoryDumpLines(d: MemoryDump): string[] {
  const lines = ['SIGQUIT received, dumping memory usage.'];
  lines.push(`SIGQUIT: process: rss ${d.rss} bytes, ${d.threads.length} threads, ${d.liveConns} live connections.`);
  const total = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  let answered = 0;
  for (const t of d.threads) {
    const conns = t.liveConns === undefined ? '' : `, ${t.liveConns} live connections`;
    if (t.figures === undefined) {
      lines.push(`SIGQUIT: thread ${t.name}: no answer within ${d.waitedMs} ms${conns}.`);
      continue;
    }
    answered++;
    total.heapUsed += t.figures.heapUsed;
    total.heapTotal += t.figures.heapTotal;
    total.external += t.figures.external;
    total.arrayBuffers += t.figures.arrayBuffers;
    lines.push(`SIGQUIT: thread ${t.name}: ${figuresText(t.figures)}${conns}.`);
  }
  lines.push(`SIGQUIT: total of ${answered} threads: ${figuresText(total)}.`);
  return lines;
}

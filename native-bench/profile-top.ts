// A tiny .cpuprofile analyser (what `node --cpu-prof` writes, one file per thread): top-N functions by self time
// per file, with the thread's role guessed from the entry script it ran. Replaces a flame graph for the issue note.
// Usage: node dist/native-bench/profile-top.js [--top N] FILE_OR_DIR...   Runs on its own main thread.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  /** `name (file:line)`, or the V8 pseudo-frames `(idle)`, `(program)`, `(garbage collector)`. */
  readonly frame: string;
  readonly ms: number;
  readonly share: number;
}

function isCpuProfile(v: unknown): v is CpuProfile {
  return typeof v === 'object' && v !== null && 'nodes' in v && Array.isArray(v.nodes) && 'samples' in v &&
    Array.isArray(v.samples) && 'timeDeltas' in v && Array.isArray(v.timeDeltas);
}

function frameName(f: CallFrame): string {
  const name = f.functionName === '' ? '(anonymous)' : f.functionName;
  if (f.url === '') return name;
  // Keep the path from the project's own folders (or node:…), enough to find the line.
  const short = f.url.replace(/^file:\/\/.*?\/(dist\/|node_modules\/)/, '$1');
  return `${name} (${short}:${f.lineNumber + 1})`;
}

/**
 * Self time per frame of one profile, largest first. Sample i's time is timeDeltas[i + 1] (V8 records the delta
 * before the next sample), so the last sample gets none. Pure; throws on a non-profile object.
 */
export function selfTimes(profile: unknown): { readonly totalMs: number; readonly frames: SelfTime[]; readonly role: string } {
  if (!isCpuProfile(profile)) throw new Error('not a .cpuprofile (no nodes/samples/timeDeltas)');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] ?? -1);
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (node === undefined) continue;
    const key = frameName(node.callFrame);
    totals.set(key, (totals.get(key) ?? 0) + dt);
    totalUs += dt;
  }
  const urls = profile.nodes.map((n) => n.callFrame.url);
  const role = ['forwarder', 'acceptor', 'health-checker', 'main'].find((r) => urls.some((u) => u.endsWith(`workers/${r}.js`))) ?? 'unknown';
  const frames = [...totals.entries()]
    .map(([frame, us]) => ({ frame, ms: us / 1000, share: totalUs === 0 ? 0 : us / totalUs }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, frames, role };
}

function expand(paths: readonly string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => join(p, f)) : [p]);
}

/** Formats the top-N table of one profile file. Pure. */
export function formatTop(file: string, r: ReturnType<typeof selfTimes>, top: number): string {
  // Time the thread was busy: everything but (idle) — the share that matters for "where does the CPU go".
  const idle = r.frames.find((f) => f.frame === '(idle)')?.ms ?? 0;
  const lines = [`${basename(file)} — thread: ${r.role}, sampled ${r.totalMs.toFixed(0)} ms, busy ${(r.totalMs - idle).toFixed(0)} ms`];
  for (const f of r.frames.slice(0, top)) lines.push(`  ${f.ms.toFixed(1).padStart(9)} ms ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.frame}`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('profile-top.js') === true) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
  const top = Number(values.top ?? '15');
  if (positionals.length === 0) {
    process.stderr.write('usage: node dist/native-bench/profile-top.js [--top N] FILE_OR_DIR...\n');
    process.exit(2);
  }
  for (const file of expand(positionals)) {
    process.stdout.write(`${formatTop(file, selfTimes(JSON.parse(readFileSync(file, 'utf8'))), top)}\n\n`);
  }
}

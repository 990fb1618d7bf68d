// A process and its descendants from /proc (nginx's master and workers, node-http-proxy's cluster): the trees whose
// RSS, fds and CPU time the bench sums (process-figures.ts, process-cpu.ts) and whose leftovers it looks for
// (process-group.ts). Bench runner main thread.

import { readdirSync, readFileSync } from 'node:fs';

/** PIDs whose parent is `pid` (e.g. nginx workers under their master), from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in field 2 may hold spaces: the ppid is the second field after its closing ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** `pid` and all its descendants (depth first). */
export function treeOf(pid: number): number[] {
  return [pid, ...childrenOf(pid).flatMap(treeOf)];
}

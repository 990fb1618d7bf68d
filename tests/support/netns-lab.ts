// A small network of Linux network namespaces for tests that need hosts of their own (issue 15's keepalived pair):
// one namespace per host, every host on one Linux bridge that lives inside the first host's namespace, all names
// under a unique prefix. Nothing is created in the test runner's own namespace (no bridge, no address, no route), and
// close() kills what ran inside (by PID) and deletes every namespace, which takes their links and the bridge with
// them. Needs root and iproute2. Test-runner thread.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { pollUntil } from './wait.js';

export interface LabHost {
  /** The namespace's name (for `ip netns exec`, startOrcalb's netns option). */
  readonly netns: string;
  /** Its address on the bridge (the /24 of NetnsLab.subnet). */
  readonly address: string;
  /** Its link on the bridge, inside its namespace. */
  readonly iface: string;
}

export interface LabProcess {
  readonly pid: number;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after 3 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface NetnsLab {
  readonly hosts: readonly LabHost[];
  /** Runs a command inside `host` to its end (bounded): its exit status (-1 killed) and stdout. */
  run(host: LabHost, command: string, args: readonly string[], timeoutMs?: number): Promise<{ code: number; stdout: string }>;
  /** Starts a long-running command inside `host`; close() stops it if the test did not. */
  start(host: LabHost, command: string, args: readonly string[]): LabProcess;
  /** Also stop `pid` (a process some other helper started inside the lab) at close(). */
  adopt(pid: number): void;
  /** Stops every process started or adopted, then deletes the namespaces. Never rejects; safe twice. */
  close(): Promise<void>;
}

function ip(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', [...args], { timeout: 10_000 }, (error, _out, stderr) => (error === null ? resolve() : reject(new Error(`ip ${args.join(' ')}: ${stderr || String(error)}`))));
  });
}

/**
 * Creates `names.length` hosts `<prefix>-<name>` with addresses `<subnet>.<firstHost + i>/24` on `iface`, linked by a
 * bridge inside the first host's namespace (the first host's address sits on the bridge itself). On a failure
 * part-way it deletes what it made and rethrows.
 */
export async function startNetnsLab(prefix: string, names: readonly string[], subnet = '10.0.0', firstHost = 1, iface = 'eth1'): Promise<NetnsLab> {
  const hosts: LabHost[] = names.map((n, i) => ({ netns: `${prefix}-${n}`, address: `${subnet}.${firstHost + i}`, iface: i === 0 ? 'br0' : iface }));
  const made: string[] = [];
  const procs = new Set<LabProcess>();
  const adopted = new Set<number>();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all([...procs].map((p) => p.stop()));
    for (const pid of adopted) killQuietly(pid, 'SIGKILL');
    for (const ns of made) await ip(['netns', 'del', ns]).catch(() => undefined);
  };
  try {
    for (const h of hosts) {
      await ip(['netns', 'add', h.netns]);
      made.push(h.netns);
      await ip(['-n', h.netns, 'link', 'set', 'lo', 'up']);
    }
    const [hub, ...others] = hosts;
    if (hub === undefined) throw new Error('netns lab: no host');
    await ip(['-n', hub.netns, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', hub.netns, 'addr', 'add', `${hub.address}/24`, 'dev', 'br0']);
    await ip(['-n', hub.netns, 'link', 'set', 'br0', 'up']);
    for (const [i, h] of others.entries()) {
      // The veth is made inside the hub's namespace with its peer born in the host's: never in ours.
      const port = `v${i + 1}`;
      await ip(['-n', hub.netns, 'link', 'add', port, 'type', 'veth', 'peer', 'name', h.iface, 'netns', h.netns]);
      await ip(['-n', hub.netns, 'link', 'set', port, 'master', 'br0']);
      await ip(['-n', hub.netns, 'link', 'set', port, 'up']);
      await ip(['-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', h.iface]);
      await ip(['-n', h.netns, 'link', 'set', h.iface, 'up']);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return {
    hosts,
    run(host, command, args, timeoutMs = 5000) {
      return new Promise((resolve) => {
        execFile('ip', ['netns', 'exec', host.netns, command, ...args], { timeout: timeoutMs }, (error, stdout) => {
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout });
        });
      });
    },
    start(host, command, args) {
      const child = spawn('ip', ['netns', 'exec', host.netns, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const p = labProcess(child);
      procs.add(p);
      return p;
    },
    adopt(pid) {
      adopted.add(pid);
    },
    close,
  };
}

function killQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

function labProcess(child: ChildProcess): LabProcess {
  const pid = child.pid ?? -1;
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  let done = false;
  const exited = new Promise<void>((resolve) => {
    if (pid < 0) resolve();
    child.once('close', () => {
      done = true;
      resolve();
    });
  });
  return {
    pid,
    output: () => text,
    exited,
    async stop() {
      if (done || pid < 0) return;
      killQuietly(pid, 'SIGTERM');
      const killed = pollUntil(() => done, 3000, 'lab process exit', 20).catch(() => killQuietly(pid, 'SIGKILL'));
      await killed;
      await exited;
    },
  };
}

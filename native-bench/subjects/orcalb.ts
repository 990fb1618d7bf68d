// Subject launcher: orcalb (dist/workers/main.js) on the same HAProxy config text as haproxy, `--threads N`, pinned
// to the proxy CPUs, with the Node flags of main.js's shebang (what the `orcalb` bin runs with); optionally under
// `node --cpu-prof` (one .cpuprofile per thread). In HTTP mode, an orcalb that warns "HTTP mode is not implemented
// yet" (it would forward as TCP) is reported 'unsupported'. Runner main thread.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from '../../tests/support/haproxy-process.js';
import { MEMPROBE_LISTENING, MEMPROBE_PORT_ENV } from '../memory-probe-client.js';
import { haproxyConfigText } from './haproxy-config.js';
import type { SubjectLauncher } from './subject.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** ORCALB_BENCH_MAIN runs another build (e.g. a branch's dist/workers/main.js) for an A/B of two orcalb versions. */
const MAIN = process.env['ORCALB_BENCH_MAIN'] ?? join(REPO_ROOT, 'dist/workers/main.js');
/**
 * The Node options of a script's `#!/usr/bin/env -S node OPTIONS` line (none for `#!/usr/bin/env node` or no
 * shebang): the bench starts main.js with process.execPath, so it must pass what the shebang would. Pure.
 */
export function shebangNodeFlags(firstLine: string): string[] {
  const m = /^#!\S*env -S node\s+(.*)$/.exec(firstLine.trim());
  return m?.[1] === undefined ? [] : m[1].split(/\s+/).filter((f) => f !== '');
}

/** The issue-2 engine's warning for a proxy in `mode http`: it forwards such proxies as TCP. */
const NO_HTTP_MODE = /HTTP mode is not implemented/;
const MEMORY_PROBE = join(dirname(fileURLToPath(import.meta.url)), '../memory-probe.js');

export const orcalbLauncher: SubjectLauncher = {
  name: 'orcalb',
  modes: ['tcp', 'http'],
  version() {
    return `${MAIN === join(REPO_ROOT, 'dist/workers/main.js') ? 'dist/workers/main.js' : MAIN} on Node ${process.version}`;
  },
  async start(spec, env) {
    const port = await freeTcpPort();
    const file = join(env.tmpDir, `orcalb-${port}.cfg`);
    writeFileSync(file, haproxyConfigText(spec, port));
    const binFlags = shebangNodeFlags(readFileSync(MAIN, 'utf8').split('\n', 1)[0] ?? '');
    const nodeFlags = [
      ...binFlags,
      ...(env.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${env.cpuProfDir}`]),
      ...(env.memoryProbe === true ? ['--expose-gc', '--import', MEMORY_PROBE] : []),
    ];
    const child = env.group.spawn({
      name: 'orcalb',
      command: process.execPath,
      args: [...nodeFlags, MAIN, '-f', file, '--threads', String(spec.threads)],
      cpus: env.cpus,
      nofile: env.nofile,
      cwd: resolve(dirname(MAIN), '../..'),
      ...(env.memoryProbe === true ? { env: { [MEMPROBE_PORT_ENV]: '0' } } : {}),
    });
    try {
      await child.waitFor(/orcalb ready/, 20_000);
    } catch (e) {
      await child.stop('SIGKILL');
      // An L7 engine that rejects part of the HTTP config is "unsupported" for now, not a crashed bench.
      if (spec.mode === 'http') return { kind: 'unsupported', note: firstAlert(child.output()) ?? String(e) };
      throw e;
    }
    if (spec.mode === 'http' && NO_HTTP_MODE.test(child.output())) {
      await child.stop('SIGTERM', 3000);
      return { kind: 'unsupported', note: 'orcalb has no HTTP mode yet (it warns and forwards mode http as TCP)' };
    }
    const probeLine = env.memoryProbe === true ? await child.waitFor(MEMPROBE_LISTENING, 5000) : undefined;
    return {
      kind: 'running',
      subject: {
        name: 'orcalb',
        ports: [port],
        pid: child.pid,
        ...(probeLine === undefined ? {} : { memoryProbePort: Number(MEMPROBE_LISTENING.exec(probeLine)?.[1]) }),
        // SIGUSR1 is orcalb's soft stop (SIGTERM kills it, as haproxy, and --cpu-prof would write nothing): clients
        // are gone by now, so it exits at once and writes its profiles.
        stop: async () => void (await child.stop('SIGUSR1', 5000)),
      },
    };
  },
};

function firstAlert(text: string): string | undefined {
  return text.split('\n').find((l) => /ALERT|error/i.test(l))?.trim();
}

// Subject launchers: orcalb (dist/workers/main.js, or ORCALB_BENCH_MAIN) and `orcalb-b`, a second build named by
// ORCALB_BENCH_MAIN_B measured in the same interleaved rounds (an A/B of two branches on a noisy machine pairs better
// round by round than two passes), on the same HAProxy config text as haproxy, `--threads N`, pinned to the proxy
// CPUs, with the Node flags of main.js's shebang (what the `orcalb` bin runs with); optionally under `node --cpu-prof`
// (one .cpuprofile per thread). In HTTP mode, an orcalb that warns "HTTP mode is not implemented yet" (it would
// forward as TCP) is reported 'unsupported'. Runner main thread.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from '../../tests/support/haproxy-process.js';
import { MEMPROBE_LISTENING, MEMPROBE_PORT_ENV } from '../memory-probe-client.js';
import { haproxyConfigText } from './haproxy-config.js';
import type { SubjectLauncher } from './subject.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const OWN_MAIN = join(REPO_ROOT, 'dist/workers/main.js');
/** ORCALB_BENCH_MAIN runs another build (e.g. a branch's dist/workers/main.js) for an A/B of two orcalb versions. */
const MAIN = process.env['ORCALB_BENCH_MAIN'] ?? OWN_MAIN;
/** The build of the `orcalb-b` subject; without it that subject is skipped. */
export const MAIN_B_ENV = 'ORCALB_BENCH_MAIN_B';
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

/** The launcher of subject `name` running the build `main` (undefined: skipped, saying which variable names it). */
function orcalbBuild(name: 'orcalb' | 'orcalb-b', main: string | undefined): SubjectLauncher {
  return {
    name,
    modes: ['tcp', 'http'],
    version() {
      if (main === undefined) return undefined;
      return `${main === OWN_MAIN ? 'dist/workers/main.js' : main} on Node ${process.version}`;
    },
    async start(spec, env) {
      if (main === undefined) return { kind: 'skipped', note: `${MAIN_B_ENV} names no build (${MAIN_B_ENV}=/path/to/dist/workers/main.js)` };
      const port = await freeTcpPort();
      const file = join(env.tmpDir, `orcalb-${port}.cfg`);
      writeFileSync(file, haproxyConfigText(spec, port));
      const binFlags = shebangNodeFlags(readFileSync(main, 'utf8').split('\n', 1)[0] ?? '');
      const nodeFlags = [
        ...binFlags,
        ...(env.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${env.cpuProfDir}`]),
        ...(env.memoryProbe === true ? ['--expose-gc', '--import', MEMORY_PROBE] : []),
      ];
      const child = env.group.spawn({
        name,
        command: process.execPath,
        args: [...nodeFlags, main, '-f', file, '--threads', String(spec.threads)],
        cpus: env.cpus,
        nofile: env.nofile,
        cwd: resolve(dirname(main), '../..'),
        env: { ...spec.orcalbEnv, ...(env.memoryProbe === true ? { [MEMPROBE_PORT_ENV]: '0' } : {}) },
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
          name,
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
}

export const orcalbLauncher = orcalbBuild('orcalb', MAIN);
export const orcalbBLauncher = orcalbBuild('orcalb-b', process.env[MAIN_B_ENV]);

function firstAlert(text: string): string | undefined {
  return text.split('\n').find((l) => /ALERT|error/i.test(l))?.trim();
}

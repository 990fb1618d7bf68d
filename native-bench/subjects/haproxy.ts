// Subject launcher: HAProxy 2.6 (Debian's /usr/sbin/haproxy) in the foreground (`-db`) on the bench config, pinned to
// the proxy CPUs, `nbthread` = the bench thread count. Bench runner main thread.

import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeTcpPort } from '../../tests/support/haproxy-process.js';
import { waitListening } from '../port-wait.js';
import { haproxyConfigText } from './haproxy-config.js';
import type { SubjectLauncher } from './subject.js';

const BIN = '/usr/sbin/haproxy';

export const haproxyLauncher: SubjectLauncher = {
  name: 'haproxy',
  modes: ['tcp', 'http'],
  version() {
    if (!existsSync(BIN)) return undefined;
    try {
      return /version (\S+)/.exec(execFileSync(BIN, ['-v'], { encoding: 'utf8' }))?.[1];
    } catch {
      return undefined;
    }
  },
  async start(spec, env) {
    if (!existsSync(BIN)) return { kind: 'skipped', note: `${BIN} not installed (apt-get install -y haproxy)` };
    const port = await freeTcpPort();
    const file = join(env.tmpDir, `haproxy-${port}.cfg`);
    writeFileSync(file, haproxyConfigText(spec, port));
    const child = env.group.spawn({ name: 'haproxy', command: BIN, args: ['-db', '-f', file], cpus: env.cpus, nofile: env.nofile });
    await waitListening(port, child, 10_000);
    return {
      kind: 'running',
      subject: { name: 'haproxy', ports: [port], pid: child.pid, stop: async () => void (await child.stop('SIGTERM', 3000)) },
    };
  },
};

// Subject "direct": no proxy, the clients connect straight to the backends (every backend port, round-robin by the
// client) — the physical limit of this machine with these backends and generators. Bench runner main thread.

import type { SubjectLauncher } from './subject.js';

export const directLauncher: SubjectLauncher = {
  name: 'direct',
  modes: ['tcp', 'http'],
  version() {
    return 'no proxy';
  },
  start(spec) {
    return Promise.resolve({
      kind: 'running',
      subject: {
        name: 'direct',
        ports: spec.servers,
        pid: undefined,
        // wrk takes one URL: with several backends it loads the first one only (same process, same CPU).
        stop: () => Promise.resolve(),
      },
    });
  },
};

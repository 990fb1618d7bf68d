// What a side-by-side log test starts for each balancer: one tagged HTTP server `s1`, a UDP syslog sink, and the
// balancer under test on a config that names both, with the two backends such tests route to (`bh` in mode http, `bt`
// in mode tcp, both to s1) and the defaults' timeouts. Everything is closed in t.after. Test-runner thread.

import { startTaggedHttpFarm, type TaggedHttpFarm } from './http-tagged-backends.js';
import type { LbProcess, LbSubject } from './lb-subject.js';
import { startSyslogReceiver, type SyslogReceiver } from './syslog-receiver.js';

export interface LogRun {
  readonly farm: TaggedHttpFarm;
  readonly syslog: SyslogReceiver;
  readonly lb: LbProcess;
}

/**
 * Starts s1 and the sink, then `subject` on `defaults` (the lines of the defaults section after its timeouts; the
 * sink's port given), `proxies` (the frontends) and the two backends; `port` is one of its binds (waited for).
 */
export async function startLogRun(
  t: { after(fn: () => unknown): void },
  subject: LbSubject,
  port: number,
  defaults: (syslogPort: number) => readonly string[],
  proxies: (syslogPort: number) => readonly string[],
): Promise<LogRun> {
  const farm = await startTaggedHttpFarm(['s1']);
  t.after(() => farm.close());
  const syslog = await startSyslogReceiver();
  t.after(() => syslog.close());
  const server = `  server s1 127.0.0.1:${farm.byName('s1').port}`;
  const config = [
    'defaults',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    ...defaults(syslog.port),
    ...proxies(syslog.port),
    'backend bh',
    '  mode http',
    server,
    'backend bt',
    '  mode tcp',
    server,
    '',
  ].join('\n');
  const lb = await subject.start(config, port);
  t.after(() => lb.stop());
  return { farm, syslog, lb };
}

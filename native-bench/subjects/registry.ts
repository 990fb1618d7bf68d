// Subject name → launcher: the one fan-in point of native-bench/subjects/. Bench runner main thread.

import type { SubjectName } from '../result-model.js';
import { directLauncher } from './direct.js';
import { haproxyLauncher } from './haproxy.js';
import { nginxLauncher } from './nginx.js';
import { nodeHttpProxyLauncher } from './node-http-proxy.js';
import { orcalbBLauncher, orcalbLauncher } from './orcalb.js';
import type { SubjectLauncher } from './subject.js';

const LAUNCHERS: Readonly<Record<SubjectName, SubjectLauncher>> = {
  direct: directLauncher,
  orcalb: orcalbLauncher,
  'orcalb-b': orcalbBLauncher,
  haproxy: haproxyLauncher,
  nginx: nginxLauncher,
  'node-http-proxy': nodeHttpProxyLauncher,
};

/** The launcher for a subject name. Never throws. */
export function launcherOf(name: SubjectName): SubjectLauncher {
  return LAUNCHERS[name];
}

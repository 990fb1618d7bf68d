// `user` / `group` from the global section: once the listening sockets are bound, a root orcalb drops to them
// (HAProxy §3.1 user, group). Not root: a warning, and it runs as it is. Main thread only (the uid is per process).

import type { GlobalConfig } from '../config/model.js';
import type { Logger } from './log.js';

/** Drops privileges if configured. Throws if the switch fails (running as root by mistake is worse than exiting). */
export function dropPrivileges(global: GlobalConfig, logger: Logger): void {
  if (global.uid === undefined && global.gid === undefined) return;
  const euid = process.geteuid?.();
  if (euid !== 0) {
    logger.log(
      'warning',
      `[${global.source.file}:${global.source.line}] : 'user'/'group' : not running as root, keeping uid ${euid ?? '?'}`,
    );
    return;
  }
  // Group first: once the uid is dropped, changing groups is no longer permitted.
  if (global.gid !== undefined) {
    process.setgroups?.([global.gid]);
    process.setgid?.(global.gid);
  }
  if (global.uid !== undefined) process.setuid?.(global.uid);
}

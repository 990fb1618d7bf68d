// What the main thread settles before any thread starts (HAProxy does the same before binding): which addon and
// accept mode to run with, whether the listeners can be kept without the addon, and the fd budget (raise the limit,
// derive maxconn, or refuse with HAProxy's alert). Main thread only; logs its warnings and alerts itself.

import type { Config } from '../config/model.js';
import { addonRequired, cliTargets, listenTargets } from '../core/accept/listeners.js';
import { checkFdLimit, withGlobalMaxconn } from '../core/fd-limit.js';
import type { Logger } from '../core/log.js';
import { loadNativeAddon, type NativeAddon } from '../core/native-addon.js';
import type { AcceptMode } from './messages.js';

export interface StartPlan {
  /** The config with the effective global maxconn (derived from the fd limit when unset). */
  readonly config: Config;
  readonly accept: AcceptMode;
  readonly addon: NativeAddon | undefined;
  /** ORCALB_FD_DUP_ADDON: the addon build the threads must load too. */
  readonly addonPath?: string;
  /** HAProxy's maxsock: the fds orcalb counts on (2 × maxconn + its own); named when accept() hits the fd limit. */
  readonly maxsock: number;
}

/**
 * Settles the start (file header). Undefined when orcalb must exit 1 (the alert is logged). May change
 * RLIMIT_NOFILE. `addonPath` (ORCALB_FD_DUP_ADDON) points at another build of the addon, or at nothing to exercise
 * the fallback.
 */
export function planStart(
  config: Config,
  wanted: AcceptMode,
  threads: number,
  addonPath: string | undefined,
  logger: Logger,
): StartPlan | undefined {
  let accept = wanted;
  const addon = loadNativeAddon(addonPath);
  if (accept === 'acceptor' && addon === undefined) {
    logger.log('warning', 'the fd-dup addon is not built (npm install builds it); accepting with --accept reuseport');
    accept = 'reuseport';
  }
  if (addon === undefined) {
    // What the fallback cannot promise, said once at start rather than discovered under load.
    logger.log(
      'warning',
      'without the fd-dup addon a listener paused at maxconn or by SIGTTOU is closed: connections over the limit are ' +
        "refused instead of waiting in the kernel's queue",
    );
  }
  const targets = listenTargets(config);
  const dropsPrivileges = process.geteuid?.() === 0 && config.global.uid !== undefined;
  // The stats sockets too: without the addon a UNIX one would exist for a moment with the umask's mode before its
  // own (an admin socket open to anyone), and a privileged port could not be bound again by a restarted thread.
  const missing = addon === undefined ? addonRequired([...targets, ...cliTargets(config)], dropsPrivileges) : undefined;
  if (missing !== undefined) {
    logger.log('alert', missing);
    return undefined;
  }
  const fds = checkFdLimit(config, targets, { forwarders: threads, acceptor: accept === 'acceptor', addon });
  if (!fds.ok) {
    logger.log('alert', fds.alert);
    return undefined;
  }
  logger.log('notice', `maxconn ${fds.maxconn}, maxsock ${fds.maxsock} (fd limit ${fds.soft}${fds.raised ? ', raised' : ''})`);
  return {
    config: withGlobalMaxconn(config, fds.maxconn),
    accept,
    addon,
    ...(addonPath === undefined ? {} : { addonPath }),
    maxsock: fds.maxsock,
  };
}

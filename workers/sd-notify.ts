// systemd's readiness protocol for `-Ws` (sd_notify(3), as haproxy -Ws speaks it in a Type=notify unit): one UNIX
// datagram per state change to $NOTIFY_SOCKET (a path, or an abstract name written "@name"), sent through the native
// addon's datagram socket (native/log-send.c; Node's dgram has no AF_UNIX). READY=1 once every listener is open,
// STOPPING=1 when a stop begins; RELOADING=1 then READY=1 frame each in-place reload (workers/reload.ts). Main thread.

import { closeSync } from 'node:fs';
import type { Logger } from '../core/log.js';
import type { NativeAddon } from '../core/native-addon.js';

export type NotifyState = 'READY=1' | 'STOPPING=1' | 'RELOADING=1';

export interface Notifier {
  /** Sends `state` (with MAINPID on READY=1); a lost datagram is logged once, never thrown. */
  notify(state: NotifyState): void;
  close(): void;
}

/**
 * A notifier for `socketPath` ($NOTIFY_SOCKET), or a no-op one when -Ws was not given or systemd set no socket
 * (HAProxy runs on without notifying then). Logs a warning when it cannot send at all (no addon).
 */
export function createNotifier(enabled: boolean, socketPath: string | undefined, addon: NativeAddon | undefined, logger: Logger): Notifier {
  const quiet: Notifier = { notify: () => undefined, close: () => undefined };
  if (!enabled || socketPath === undefined || socketPath === '') return quiet;
  const open = addon?.dgramOpen;
  const send = addon?.dgramSendTo;
  if (open === undefined || send === undefined) {
    logger.log('warning', '-Ws: the native addon is not built: systemd is never told READY=1 (the unit times out)');
    return quiet;
  }
  const abstract = socketPath.startsWith('@');
  const name = abstract ? socketPath.slice(1) : socketPath;
  let fd: number | undefined;
  let warned = false;
  return {
    notify(state) {
      try {
        fd ??= open(1);
        // RELOADING=1 carries CLOCK_MONOTONIC in µs (sd_notify(3): what a Type=notify-reload unit wants with it;
        // process.hrtime is that clock on Linux).
        const text = state === 'READY=1'
          ? `READY=1\nMAINPID=${process.pid}\n`
          : state === 'RELOADING=1' ? `RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}\n` : `${state}\n`;
        const bytes = Buffer.from(text, 'utf8');
        const sent = send(fd, bytes, 0, bytes.length, name, abstract ? -2 : -1);
        if (sent < 0) throw new Error(`errno ${-sent}`);
      } catch (e) {
        if (warned) return;
        warned = true;
        logger.log('warning', `-Ws: cannot notify systemd at ${socketPath}: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

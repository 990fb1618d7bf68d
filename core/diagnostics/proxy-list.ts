// HAProxy's list of proxies as the operator's diagnostics walk it (the SIGHUP dump, the soft-stop lines): one entry
// per frontend, backend or listen section, in configuration order; a listen section is one proxy with both halves.
// Pure; built once on the main thread.

import type { Config, LogTarget } from '../../config/model.js';

export interface ProxyEntry {
  readonly name: string;
  /** Index in config.frontends of the frontend half, if the proxy has one. */
  readonly frontend?: number;
  /** Index in config.backends of the backend half, if the proxy has one. */
  readonly backend?: number;
  /** The proxy's own `log` targets (`log global` already expanded); empty when it has none. */
  readonly log: readonly LogTarget[];
  /** The proxy's `log-tag`, when it has one (else the global one applies). */
  readonly logTag?: string;
}

/**
 * The proxies in the order their sections appear (file order, then line), as HAProxy 2.6 lists them. The two
 * halves of a listen section share one source line, which is how they are paired back into one proxy.
 */
export function proxiesInConfigOrder(config: Config): ProxyEntry[] {
  const fileRank = (file: string): number => {
    const i = config.files.indexOf(file);
    return i < 0 ? config.files.length : i;
  };
  interface Draft { name: string; file: number; line: number; frontend?: number; backend?: number; log: readonly LogTarget[]; logTag?: string }
  const byLine = new Map<string, Draft>();
  const add = (name: string, file: string, line: number, half: 'frontend' | 'backend', index: number, log?: readonly LogTarget[], logTag?: string): void => {
    const key = `${file}\0${line}\0${name}`;
    const d = byLine.get(key) ?? { name, file: fileRank(file), line, log: [] };
    d[half] = index;
    if (d.log.length === 0 && log !== undefined) d.log = log;
    if (logTag !== undefined) d.logTag = logTag;
    byLine.set(key, d);
  };
  // A proxy a reload removed (retired: its sessions finish) is no longer listed.
  config.frontends.forEach((f, i) => f.retired !== true && add(f.name, f.source.file, f.source.line, 'frontend', i, f.log, f.logTag));
  config.backends.forEach((b, i) => b.retired !== true && add(b.name, b.source.file, b.source.line, 'backend', i, b.log, b.logTag));
  return [...byLine.values()]
    .sort((a, b) => a.file - b.file || a.line - b.line)
    .map((d) => ({
      name: d.name,
      ...(d.frontend === undefined ? {} : { frontend: d.frontend }),
      ...(d.backend === undefined ? {} : { backend: d.backend }),
      log: d.log,
      ...(d.logTag === undefined ? {} : { logTag: d.logTag }),
    }));
}

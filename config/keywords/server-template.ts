// `server-template <prefix> <num | range> <fqdn>[:<port>] [params*]` (HAProxy 2.6 manual §4.2): NUM servers named
// PREFIX1..PREFIXnum (or PREFIXlow..PREFIXhigh for a range), each a `server` line with the same address and options.
// At start each resolves as a server line does (libc, `init-addr`: config/load-config.ts); at run time
// `dolphindb-discovery` fills them with the cluster's nodes (core/dolphindb/discovery-*.ts). haproxy 2.6.12's
// texts for bad arguments (measured with `haproxy -c`). Main thread, config parsing.

import { expandAddressEnv } from '../address.js';
import type { ProxyLineContext, ServerSettings } from '../sections/proxy-draft.js';
import { parseServerAddress, parseServerOptions, uniqueServerName } from './server.js';

/** More servers than this from one line is surely a typo (haproxy has no limit; each one costs a buffer slot). */
export const MAX_TEMPLATE_SERVERS = 4096;

/** `N` (1..N) or `LOW-HIGH` as the ids to number the servers with; undefined when haproxy refuses it. Pure. */
export function templateRange(word: string): { readonly low: number; readonly high: number } | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(word);
  if (m === null) return undefined;
  const first = Number(m[1]);
  const low = m[2] === undefined ? 1 : first;
  const high = m[2] === undefined ? first : Number(m[2]);
  if (low < 1 || high < low || high - low + 1 > MAX_TEMPLATE_SERVERS) return undefined;
  return { low, high };
}

/** Adds the template's servers to the section, with default-server's presets under the line's options. */
export function parseServerTemplateLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const prefix = args[1] ?? '';
  const count = args[2] ?? '';
  const addr = args[3] ?? '';
  if (prefix === '' || count === '' || addr === '') {
    diag.error('ORCA_CONFIG_SYNTAX', "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.", at);
    return;
  }
  const range = templateRange(count);
  if (range === undefined) {
    diag.badValue(`Wrong server-template number or range arg '${count}'.`, at, { found: count });
    return;
  }
  // The options are read once, under the first server's label: haproxy reports a bad one once per line too.
  const settings: ServerSettings = structuredClone(proxy.defaultServer);
  const label = `server ${proxy.name}/${prefix}${range.low}`;
  const scope = { diag, at, label, serverName: `${prefix}${range.low}`, env: ctx.line.env, tls: true };
  const optionsOk = parseServerOptions(args.slice(4), settings, scope);
  const target = parseServerAddress(addr, expandAddressEnv(addr, ctx.line.env), diag, at, label);
  if (target === undefined || !optionsOk) return;
  for (let id = range.low; id <= range.high; id++) {
    const name = `${prefix}${id}`;
    if (!uniqueServerName(ctx, name)) continue;
    proxy.servers.push({ source: at, name, settings: structuredClone(settings), ...target, template: prefix });
  }
}

// The server line of the runtime API's `add server <bk>/<srv> <addr>[:<port>] [kw…]` (HAProxy 2.6 management.txt
// §9.3): read with the `server` keyword's own option parser (keywords/server.ts), without default-server (haproxy
// 2.6.12 gives a dynamic server none of its backend's presets, measured), with 2.6's refusals of the keywords a
// dynamic server cannot take and orcalb's of those it does not run. Main thread (the runtime API's writer of the
// topology, core/shared/server-slots.ts).

import { isIP } from 'node:net';
import { Diagnostics } from './diagnostics.js';
import { parseServerAddress, parseServerOptions, KNOWN_OPTIONS } from './keywords/server.js';
import { buildServer } from './build-config.js';
import type { ServerConfig, SourceRef } from './model.js';
import type { ServerSettings } from './sections/proxy-draft.js';

/** Keywords haproxy 2.6.12 refuses on `add server` ("'X' option is not accepted for dynamic server", measured). */
const NOT_DYNAMIC = new Set([
  'cookie', 'redir', 'no-check', 'resolvers', 'init-addr', 'resolve-net', 'resolve-opts', 'resolve-prefer', 'stick',
  'non-stick', 'no-agent-check',
]);

/** Where messages point: the runtime API has no file. */
const CLI_SOURCE: SourceRef = { file: 'cli', line: 1 };

/**
 * Parses `<name> <addr>[:<port>] [kw…]` into a ServerConfig, or returns the answer text of the first problem in
 * haproxy 2.6.12's words (orcalb's own for what it does not run: name resolution, TLS, agents, tracking, …). The
 * caller checks the backend, the algorithm and the name. Pure apart from reading `process.env` for `${VAR}`.
 */
export function parseDynamicServer(name: string | undefined, addr: string | undefined, options: readonly string[]): ServerConfig | string {
  if (name === undefined || name === '' || addr === undefined || addr === '') {
    return "'server' expects <name> and <addr>[:<port>] as arguments.\n";
  }
  for (let i = 0; i < options.length; i++) {
    const word = options[i] ?? '';
    if (NOT_DYNAMIC.has(word)) return `'${word}' option is not accepted for dynamic server\n`;
    const arity = KNOWN_OPTIONS[word];
    if (arity !== undefined || word === 'source') {
      // Known to haproxy, not run by orcalb: refused rather than ignored, as a runtime change must do what it says.
      const why = word === 'ssl' || word.includes('ssl') || word === 'verify' || word === 'crt' || word === 'ca-file' || word === 'sni' || word === 'alpn'
        ? 'TLS to servers is not available for dynamic servers yet'
        : 'orcalb does not run it';
      return `'${word}' option is not supported on a dynamic server by orcalb: ${why}.\n`;
    }
  }
  const diag = new Diagnostics();
  const settings: ServerSettings = {};
  const label = `server ${name}`;
  const ok = parseServerOptions(options, settings, { diag, at: CLI_SOURCE, label, serverName: name, env: process.env });
  const first = diag.errors[0];
  // haproxy 2.6.12's CLI ends a keyword's own complaint with one more dot ("… (300).."), not an unknown keyword's.
  if (first !== undefined) return `${first.message}${first.code === 'ORCA_CONFIG_UNKNOWN_KEYWORD' ? '' : '.'}\n`;
  if (!ok) return 'invalid server options\n';
  const target = parseServerAddress(addr, addr, diag, CLI_SOURCE, label);
  const bad = diag.errors[0];
  if (target === undefined || bad !== undefined) return `${bad?.message ?? `invalid address: '${addr}'`}\n`;
  if (isIP(target.host) === 0) {
    return `orcalb resolves no server name at run time yet: give 'add server' an IP address, not '${target.host}'.\n`;
  }
  if (settings.checkAddr !== undefined && isIP(settings.checkAddr) === 0) {
    return `orcalb resolves no name at run time yet: give 'addr' an IP address, not '${settings.checkAddr}'.\n`;
  }
  const checkAddr = settings.checkAddr;
  return buildServer(
    { source: CLI_SOURCE, name, host: target.host, port: target.port, ...(target.portOffset === undefined ? {} : { portOffset: target.portOffset }), settings },
    { host: (h) => (h === checkAddr ? checkAddr : h), server: () => ({ address: target.host, forcedDown: false }) },
  );
}

// The configuration loader's entry points: read files → parse → validate → resolve addresses → build Config,
// collecting every error and warning on the way (HAProxy `-f a.cfg -f b.cfg` semantics, manual §2.1).
// Main thread only (the supervisor and `orcalb -c`); the resulting Config is plain data for structured clone.

import type { ConfigError, ConfigWarning } from './config-error.js';
import { isNumericHost } from './address.js';
import { type ResolvedAddresses, buildConfig } from './build-config.js';
import { type ParsedConfig, parseConfigFiles } from './config-parser.js';
import { Diagnostics } from './diagnostics.js';
import { resolveServerTls } from './server-tls-resolve.js';
import type { Config } from './model.js';
import { type SourceFile, readConfigFiles, sourceFromText } from './read-file.js';
import { logHostToResolve } from './keywords/log.js';
import { RULE_PROGRAM_KEYS } from './keywords/http-rules.js';
import { type HostLookup, RESOLVE_TIMEOUT_MS, type Resolution, resolveHosts } from './resolve-addresses.js';
import type { ServerDraft } from './sections/proxy-draft.js';
import { finishPeers } from './sections/peers.js';
import { type ListenerVerdict, listenerVerdict, validateConfig } from './validate.js';

export interface LoadResult {
  readonly config: Config | undefined;
  readonly errors: readonly ConfigError[];
  readonly warnings: readonly ConfigWarning[];
  /**
   * Whether there is anything to run. A valid configuration without a listener is not an error (`orcalb -c`
   * exits 2 like `haproxy -c`), but orcalb refuses to start it (config/check-report.ts).
   */
  readonly listeners: ListenerVerdict;
}

/** Knobs for tests; production callers pass nothing. */
export interface LoadOptions {
  /** Environment for `"${VAR}"` and `.if defined(VAR)` (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Name resolution (default: dns.promises.lookup) and its per-name timeout. */
  readonly lookup?: HostLookup;
  readonly resolveTimeoutMs?: number;
  /**
   * Keys of config/not-implemented.ts to accept as implemented (tests of a module the sessions do not run yet, such
   * as the HTTP rule program); production never passes it.
   */
  readonly implemented?: readonly string[];
  /** `-N LIMIT`: the maxconn of every frontend and listen that sets none (HAProxy's default per-proxy maxconn). */
  readonly defaultProxyMaxconn?: number;
  /** `-L NAME`: the local peer name (over the global `localpeer`; default: the host name). */
  readonly localPeer?: string;
}

/**
 * Reads and parses the files in order, validates, resolves addresses. config is undefined when errors is
 * non-empty. Never throws for config problems (an unreadable file is a ConfigError with code ORCA_CONFIG_FILE).
 */
export async function loadConfig(files: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const read = await readConfigFiles(files);
  // Config.files lists the files actually read, so a directory argument shows up as its *.cfg files.
  return loadSources(read.files, read.files.map((f) => f.name), read.errors, options);
}

/** Same from in-memory text (tests); `name` is the file name used in messages. */
export async function loadConfigText(text: string, name: string, options: LoadOptions = {}): Promise<LoadResult> {
  return loadSources([sourceFromText(name, text)], [name], [], options);
}

async function loadSources(
  sources: readonly SourceFile[],
  names: readonly string[],
  readErrors: readonly ConfigError[],
  options: LoadOptions,
): Promise<LoadResult> {
  // The rule program's keys run in the HTTP sessions (core/forward/l7-rules.ts): judged implemented.
  const diag = new Diagnostics([...RULE_PROGRAM_KEYS, ...(options.implemented ?? [])]);
  diag.errors.push(...readErrors);
  const parsed = parseConfigFiles(sources, diag, options.env ?? process.env);
  const cliMaxconn = options.defaultProxyMaxconn;
  if (cliMaxconn !== undefined) for (const p of parsed.proxies) if (p.kind !== 'backend') p.maxconn ??= cliMaxconn;
  validateConfig(parsed, diag);
  const peers = finishPeers(parsed.peers, options.localPeer ?? parsed.global.localPeer, diag);
  resolveServerTls(parsed.proxies, parsed.global, diag);
  // Resolution runs even when parsing found errors, so one `-c` run lists every problem at once.
  const resolutions = await resolveHosts(
    hostsOf(parsed),
    options.resolveTimeoutMs ?? RESOLVE_TIMEOUT_MS,
    options.lookup,
  );
  const resolved = applyResolutions(parsed, resolutions, diag);
  if (parsed.global.zeroWarning === true && diag.warnings.length > 0) {
    // §3.1 zero-warning: every warning counts as fatal, decided once all of them are known, as HAProxy does.
    diag.error('ORCA_CONFIG_SYNTAX', "Some warnings were found and 'zero-warning' is set. Aborting.", parsed.global.source, {
      keyword: 'zero-warning',
    });
  }
  const built = diag.errors.length === 0 ? buildConfig(parsed, names, resolved) : undefined;
  const config = built === undefined || peers.length === 0 ? built : { ...built, peers };
  return { config, errors: diag.errors, warnings: diag.warnings, listeners: listenerVerdict(parsed.proxies, parsed.global.statsSockets.length) };
}

/** Every host name the configuration needs resolved: binds, servers and their check `addr`. */
function hostsOf(parsed: ParsedConfig): string[] {
  const hosts: string[] = [];
  for (const { target } of parsed.logTargets) {
    const host = logHostToResolve(target.address);
    if (host !== undefined) hosts.push(host);
  }
  for (const p of parsed.proxies) {
    for (const b of p.binds) if (b.unix === undefined) hosts.push(b.host);
    for (const s of p.servers) {
      // A discovered template's FQDN is a placeholder (applyResolutions): nothing to resolve.
      if (s.template === undefined || s.template !== p.options.dolphindbDiscovery?.template) hosts.push(s.host);
      if (s.settings.checkAddr !== undefined) hosts.push(s.settings.checkAddr);
    }
  }
  return hosts;
}

/**
 * Reports failed resolutions with HAProxy's texts and returns the lookup the builder uses. A server whose name
 * does not resolve is an error, unless its `init-addr` lists a literal IP (used instead) or `none` (the server
 * starts in maintenance), as §5.2 "init-addr" describes.
 */
function applyResolutions(
  parsed: ParsedConfig,
  resolutions: ReadonlyMap<string, Resolution>,
  diag: Diagnostics,
): ResolvedAddresses {
  const addressOf = (host: string): string | undefined => {
    const r = resolutions.get(host);
    return r?.ok === true ? r.address : undefined;
  };
  const servers = new Map<ServerDraft, { address: string; forcedDown: boolean }>();
  // Log targets keep their names (core/log.ts resolves when sending); they only have to resolve now.
  for (const { target, source } of parsed.logTargets) {
    const host = logHostToResolve(target.address);
    if (host === undefined || addressOf(host) !== undefined) continue;
    diag.error('ORCA_CONFIG_RESOLVE', `log : invalid address: '${host}' in '${target.address}'`, source, { found: host });
  }
  for (const p of parsed.proxies) {
    for (const b of p.binds) {
      if (b.unix !== undefined || addressOf(b.host) !== undefined) continue;
      diag.error('ORCA_CONFIG_RESOLVE', `invalid address: '${b.host}' in '${b.spec}'`, b.source, {
        keyword: 'bind',
        found: b.host,
      });
    }
    for (const s of p.servers) {
      const label = `server ${p.name}/${s.name}`;
      const checkAddr = s.settings.checkAddr;
      // dolphindb-discovery owns its template's slots: they wait without an address (resolution maintenance) for
      // the controller's first answer, whatever the template's FQDN resolves to.
      if (s.template !== undefined && s.template === p.options.dolphindbDiscovery?.template) {
        servers.set(s, { address: '0.0.0.0', forcedDown: true });
        continue;
      }
      if (checkAddr !== undefined && addressOf(checkAddr) === undefined) {
        diag.error('ORCA_CONFIG_RESOLVE', `'addr' : invalid address: '${checkAddr}' in '${checkAddr}'.`, s.source, {
          keyword: label,
          found: checkAddr,
        });
      }
      const address = addressOf(s.host);
      if (address !== undefined) {
        servers.set(s, { address, forcedDown: false });
        continue;
      }
      const methods = s.settings.initAddr ?? [];
      const fallback = methods.find((m) => isNumericHost(m));
      if (fallback !== undefined) {
        diag.warn(`could not resolve address '${s.host}', using init-addr '${fallback}'.`, s.source, label);
        servers.set(s, { address: fallback, forcedDown: false });
      } else if (methods.includes('none')) {
        diag.warn(`could not resolve address '${s.host}', starting in maintenance (init-addr none).`, s.source, label);
        servers.set(s, { address: '0.0.0.0', forcedDown: true });
      } else {
        diag.error('ORCA_CONFIG_RESOLVE', `could not resolve address '${s.host}'.`, s.source, {
          keyword: label,
          found: s.host,
        });
      }
    }
  }
  return {
    host: (host) => addressOf(host) ?? host,
    server: (s) => servers.get(s) ?? { address: s.host, forcedDown: false },
  };
}

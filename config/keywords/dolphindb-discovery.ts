// orcalb's own backend keyword (issue 16, not HAProxy 2.6's): `dolphindb-discovery controller HOST:PORT
// [controller HOST:PORT …] [user U password P] [interval T] [role datanode|computenode|all] [template NAME]`.
// The health thread reads the cluster's nodes from the controllers (core/dolphindb/discovery-*.ts) and fills the
// named server-template's slots with them. Parsed here into ProxyOptions; the template is checked by validate.ts.
// Main thread, config parsing.

import { splitAddress } from '../address.js';
import type { DolphinDbDiscoveryConfig } from '../model.js';
import type { ProxyLineContext } from '../sections/proxy-draft.js';
import { parseTime } from '../units.js';

/** Between two readings when `interval` is not given: a node added at the controller shows within 2 s. */
export const DISCOVERY_DEFAULT_INTERVAL_MS = 2000;

const ROLES = ['datanode', 'computenode', 'all'] as const;

const USAGE =
  "'dolphindb-discovery' expects controller <host>:<port> [controller <host>:<port> …] [user <u> password <p>] " +
  '[interval <time>] [role datanode|computenode|all] [template <prefix>]';

type Draft = { -readonly [K in keyof DolphinDbDiscoveryConfig]: DolphinDbDiscoveryConfig[K] };

/** One `controller` value: host and port (a port is required: a controller has no default one). */
function controllerOf(word: string): { readonly host: string; readonly port: number } | undefined {
  const parts = splitAddress(word);
  if (parts.kind !== 'inet' || parts.host === '' || parts.port === undefined) return undefined;
  const port = Number(parts.port);
  return /^\d+$/.test(parts.port) && port >= 1 && port <= 65535 ? { host: parts.host, port } : undefined;
}

/** Reads the line into proxy.options.dolphindbDiscovery; any bad word is an error and sets nothing. */
export function parseDolphinDbDiscoveryLine(ctx: ProxyLineContext): void {
  const { args, at, diag, proxy } = ctx;
  const controllers: { host: string; port: number }[] = [];
  const d: Partial<Draft> = {};
  const bad = (message: string, found: string): void => {
    diag.badValue(`${message} (${USAGE}).`, at, { found });
  };
  for (let i = 1; i < args.length; i += 2) {
    const word = args[i] ?? '';
    const value = args[i + 1];
    if (value === undefined) return bad(`'dolphindb-discovery ${word}' needs a value`, word);
    switch (word) {
      case 'controller': {
        const c = controllerOf(value);
        if (c === undefined) return bad(`'dolphindb-discovery controller' expects <host>:<port>, got '${value}'`, value);
        controllers.push(c);
        break;
      }
      case 'user':
        d.user = value;
        break;
      case 'password':
        d.password = value;
        break;
      case 'interval': {
        const t = parseTime(value);
        if (t.kind !== 'ok' || 'trailing' in t || t.ms < 100) {
          return bad(`'dolphindb-discovery interval' expects a time of at least 100ms (e.g. 2s), got '${value}'`, value);
        }
        d.intervalMs = t.ms;
        break;
      }
      case 'role':
        if (!(ROLES as readonly string[]).includes(value)) return bad(`'dolphindb-discovery role' expects ${ROLES.join('|')}, got '${value}'`, value);
        d.role = value as DolphinDbDiscoveryConfig['role'];
        break;
      case 'template':
        d.template = value;
        break;
      default:
        return bad(`'dolphindb-discovery': unknown word '${word}'`, word);
    }
  }
  if (controllers.length === 0) return bad("'dolphindb-discovery' needs at least one controller", args[1] ?? '');
  if (d.password !== undefined && d.user === undefined) return bad("'dolphindb-discovery password' needs 'user'", 'password');
  proxy.options.dolphindbDiscovery = {
    source: at,
    controllers,
    ...(d.user === undefined ? {} : { user: d.user }),
    ...(d.password === undefined ? {} : { password: d.password }),
    intervalMs: d.intervalMs ?? DISCOVERY_DEFAULT_INTERVAL_MS,
    role: d.role ?? 'datanode',
    ...(d.template === undefined ? {} : { template: d.template }),
  };
}

/**
 * After parsing: the template must name a `server-template` PREFIX of the same backend (absent: the backend's only
 * one, written into the option). An error otherwise: discovery would have no slot to fill. Main thread.
 */
export function checkDiscoveryTemplate(p: ProxyLineContext['proxy'], diag: ProxyLineContext['diag']): void {
  const d = p.options.dolphindbDiscovery;
  if (d === undefined) return;
  const prefixes = [...new Set(p.servers.flatMap((s) => (s.template === undefined ? [] : [s.template])))];
  if (d.template !== undefined) {
    if (prefixes.includes(d.template)) return;
    diag.error('ORCA_CONFIG_REFERENCE', `'dolphindb-discovery template ${d.template}': ${p.kind} '${p.name}' has no 'server-template ${d.template} …' line.`, d.source, { found: d.template });
    return;
  }
  const only = prefixes[0];
  if (prefixes.length === 1 && only !== undefined) {
    p.options.dolphindbDiscovery = { ...d, template: only };
    return;
  }
  const why = prefixes.length === 0 ? 'has no server-template to fill' : `has ${prefixes.length} server-templates: name one with 'template <prefix>'`;
  diag.error('ORCA_CONFIG_REFERENCE', `'dolphindb-discovery': ${p.kind} '${p.name}' ${why}.`, d.source);
}

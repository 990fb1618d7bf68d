// The section-level parser: walks the files' lines in order, tokenizes them, follows section keywords (manual
// §2.1: a section ends at the next section keyword or at the end of its file), keeps the defaults sections for
// inheritance (§4 `from`), and hands each line to its section's parser. Main thread, config parsing.

import { finishResolvers, openResolvers, parseResolversLine, type ResolversDraft } from './sections/resolvers.js';
import { ConditionalBlocks } from './conditional-blocks.js';
import type { Diagnostics } from './diagnostics.js';
import type { GlobalConfig, LogTarget, ResolversConfig, SourceRef, UserlistConfig } from './model.js';
import type { SourceFile } from './read-file.js';
import { initialGlobal, parseGlobalLine } from './sections/global.js';
import { type ProxyDraft, type SectionKind, inheritDraft, initialDraft } from './sections/proxy-draft.js';
import { parseProxyLine } from './sections/proxy-section.js';
import { type PeersDraft, openPeers, parsePeersLine } from './sections/peers.js';
import { type UserlistDraft, finishUserlist, openUserlist, parseUserlistLine } from './sections/userlist.js';
import { type ConfigLine, tokenizeLine } from './tokenize.js';

/** What parsing produces: the global settings and every proxy section (defaults excluded) in file order. */
export interface ParsedConfig {
  readonly global: GlobalConfig;
  readonly proxies: readonly ProxyDraft[];
  /** Every log target with the line that declared it (its host name is checked by resolution). */
  readonly logTargets: readonly { readonly target: LogTarget; readonly source: SourceRef }[];
  /** `userlist` sections (§3.4), in file order. */
  readonly userlists: readonly UserlistConfig[];
  /** Names of the `peers` sections (a stick-table's `peers` must name one, as in HAProxy). */
  readonly peersSections: ReadonlySet<string>;
  /** `resolvers` sections (§5.3.2), in file order. */
  readonly resolvers: readonly ResolversConfig[];
  /** The `peers` sections as written (config/sections/peers.ts finishPeers picks the local peer). */
  readonly peers: readonly PeersDraft[];
}

/** HAProxy 2.6 sections orcalb does not implement: their lines are skipped with one warning per section. */
const OTHER_SECTIONS = new Set([
  'mailers', 'program', 'http-errors', 'ring', 'log-forward', 'cache', 'fcgi-app',
]);

const PROXY_SECTIONS = new Set<string>(['defaults', 'frontend', 'backend', 'listen']);

/** §4: "All proxy names must be formed from upper and lower case letters, digits, '-', '_', '.' and ':'." */
const PROXY_NAME_CHAR = /[^A-Za-z0-9_.:-]/;

type Section =
  | { readonly kind: 'none' }
  | { readonly kind: 'global' }
  | { readonly kind: 'proxy'; readonly draft: ProxyDraft }
  | { readonly kind: 'userlist'; readonly draft: UserlistDraft }
  | { readonly kind: 'resolvers'; readonly draft: ResolversDraft }
  | { readonly kind: 'peers'; readonly draft: PeersDraft }
  | { readonly kind: 'skipped' };

/**
 * Parses every line of `files` in order; errors and warnings go to `diag` (never thrown). `env` feeds `"${VAR}"`
 * expansion and `.if defined(VAR)`.
 */
export function parseConfigFiles(
  files: readonly SourceFile[],
  diag: Diagnostics,
  processEnv: Readonly<Record<string, string | undefined>>,
): ParsedConfig {
  // A copy: `setenv`, `presetenv`, `unsetenv` and `resetenv` (§3.1) change it for the lines after them, in this
  // file and the next ones, without touching the process environment.
  const env: Record<string, string | undefined> = { ...processEnv };
  const first: SourceRef = { file: files[0]?.name ?? '', line: 0 };
  const global = initialGlobal(first);
  const proxies: ProxyDraft[] = [];
  const logTargets: { target: LogTarget; source: SourceRef }[] = [];
  const userlists: UserlistDraft[] = [];
  const peersSections = new Set<string>();
  const resolvers: ResolversDraft[] = [];
  const peers: PeersDraft[] = [];
  // The last defaults section seen: what a proxy without `from` starts from (§4).
  let lastDefaults = initialDraft('defaults', '', first);
  const namedDefaults = new Map<string, ProxyDraft>();
  // Which side first used each defaults section that carries http-request/http-response rules.
  const ruleUsers = new Map<ProxyDraft, 'frontend' | 'backend'>();
  let sawGlobal = false;

  for (const file of files) {
    let section: Section = { kind: 'none' };
    let sectionName = '';
    const blocks = new ConditionalBlocks(env);
    file.lines.forEach((bytes, index) => {
      const source: SourceRef = { file: file.name, line: index + 1 };
      const tokens = tokenizeLine(bytes, { env, file: file.name, line: index + 1, section: sectionName });
      if (!tokens.ok) {
        diag.error('ORCA_CONFIG_SYNTAX', tokens.message, source, { column: tokens.column });
        return;
      }
      // Blank and comment-only lines carry nothing, not even a section change.
      if (tokens.words.length === 0) return;
      const line: ConfigLine = { source, words: tokens.words, args: tokens.words.map((w) => w.text), env };
      const keyword = line.args[0] ?? '';
      // Directives are handled even inside a false branch, or nesting could not be followed.
      if (keyword.startsWith('.') && blocks.handle(line, diag)) return;
      if (!blocks.active) return;

      if (keyword === 'global') {
        section = { kind: 'global' };
        sectionName = 'global';
        // The first global line is where the process-wide settings "come from" in messages.
        if (!sawGlobal) Object.assign(global, { source });
        sawGlobal = true;
        return;
      }
      if (PROXY_SECTIONS.has(keyword)) {
        const draft = openProxySection(line, lastDefaults, namedDefaults, diag, ruleUsers);
        section = { kind: 'proxy', draft };
        sectionName = draft.name === '' ? keyword : draft.name;
        // A defaults section is not a proxy: it only feeds the sections after it.
        if (draft.kind === 'defaults') {
          lastDefaults = draft;
          if (draft.name !== '') namedDefaults.set(draft.name, draft);
        } else {
          proxies.push(draft);
        }
        return;
      }
      if (keyword === 'userlist') {
        const draft = openUserlist(line, userlists, diag);
        if (draft !== undefined) userlists.push(draft);
        section = draft === undefined ? { kind: 'skipped' } : { kind: 'userlist', draft };
        sectionName = line.args[1] ?? keyword;
        return;
      }
      if (keyword === 'resolvers') {
        const draft = openResolvers(line, diag);
        if (draft !== undefined) resolvers.push(draft);
        section = draft === undefined ? { kind: 'skipped' } : { kind: 'resolvers', draft };
        sectionName = line.args[1] ?? keyword;
        return;
      }
      if (keyword === 'peers') {
        const draft = openPeers(line, peers, diag);
        if (draft !== undefined) {
          peers.push(draft);
          peersSections.add(draft.name);
        }
        section = draft === undefined ? { kind: 'skipped' } : { kind: 'peers', draft };
        sectionName = line.args[1] ?? keyword;
        return;
      }
      if (OTHER_SECTIONS.has(keyword)) {
        section = { kind: 'skipped' };
        sectionName = line.args[1] ?? keyword;
        diag.notImplemented(`${keyword} section`, source, 'its lines are ignored', {
          warning: `the '${keyword}' section is not implemented yet by orcalb; its lines are ignored`,
        });
        return;
      }
      switch (section.kind) {
        case 'global': {
          if (applyEnvKeyword(line, env, diag)) return;
          const before = global.log.length;
          parseGlobalLine(global, line, diag);
          const added = global.log.length > before ? global.log.at(-1) : undefined;
          if (added !== undefined) logTargets.push({ target: added, source });
          return;
        }
        case 'proxy': {
          const { draft } = section;
          const before = draft.logs.length;
          parseProxyLine({ proxy: draft, line, args: line.args, at: source, diag, experimental: global.exposeExperimental === true, bufsize: global.bufsize, ...(global.tls === undefined ? {} : { globalTls: global.tls }) });
          const added = draft.logs.length > before ? draft.logs.at(-1) : undefined;
          if (added?.kind === 'target') logTargets.push({ target: added.target, source });
          return;
        }
        case 'userlist':
          parseUserlistLine(section.draft, line, diag);
          return;
        case 'resolvers':
          parseResolversLine(section.draft, line, diag);
          return;
        case 'peers':
          parsePeersLine(section.draft, line, diag);
          return;
        case 'skipped':
          return;
        case 'none':
          diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `unknown keyword '${keyword}' out of section.${bomHint(keyword)}`, source, {
            found: keyword,
          });
      }
    });
    blocks.finish(file.name, diag);
    const missing = file.missingFinalNewline;
    if (missing !== undefined) {
      diag.error(
        'ORCA_CONFIG_SYNTAX',
        `Missing LF on last line, file might have been truncated at position ${missing.column}.`,
        { file: file.name, line: missing.line },
        { column: missing.column },
      );
    }
  }
  // HAProxy checks the users' groups and the groups' users once every section is read.
  return { global, proxies, logTargets, userlists: userlists.map((u) => finishUserlist(u, diag)), peersSections, resolvers: resolvers.map(finishResolvers), peers };
}

/**
 * HAProxy does not skip a UTF-8 byte order mark, so a file saved "with BOM" fails on its first keyword (and every
 * line after it is out of section). The mark is invisible in the message, so it is named.
 */
function bomHint(keyword: string): string {
  return keyword.startsWith('\uFEFF')
    ? ' The file starts with a UTF-8 byte order mark (U+FEFF), which HAProxy does not skip: save it without one.'
    : '';
}

/**
 * §3.1 `setenv <name> <value>`, `presetenv <name> <value>` (only when unset), `unsetenv <name>...` and
 * `resetenv [<name>...]` (keep only the names given): applied to `env` at once, as HAProxy does, so `${VAR}` on
 * later lines sees the change. Returns false for any other keyword.
 */
function applyEnvKeyword(line: ConfigLine, env: Record<string, string | undefined>, diag: Diagnostics): boolean {
  const [keyword = '', ...rest] = line.args;
  const at = line.source;
  switch (keyword) {
    case 'setenv':
    case 'presetenv': {
      const [name, value] = rest;
      if (name === undefined || value === undefined) {
        diag.error('ORCA_CONFIG_SYNTAX', `'${keyword}' expects a name and a value.`, at);
      } else if (keyword === 'setenv' || env[name] === undefined) {
        env[name] = value;
      }
      return true;
    }
    case 'unsetenv':
      if (rest.length === 0) diag.error('ORCA_CONFIG_SYNTAX', "'unsetenv' expects at least one variable name.", at);
      for (const name of rest) delete env[name];
      return true;
    case 'resetenv':
      for (const name of Object.keys(env)) if (!rest.includes(name)) delete env[name];
      return true;
    default:
      return false;
  }
}

/** Starts a defaults/frontend/backend/listen section from its header line (`frontend NAME [from DEFAULTS]`). */
function openProxySection(
  line: ConfigLine,
  lastDefaults: ProxyDraft,
  namedDefaults: ReadonlyMap<string, ProxyDraft>,
  diag: Diagnostics,
  ruleUsers: Map<ProxyDraft, 'frontend' | 'backend'>,
): ProxyDraft {
  const { args, source } = line;
  const kind = (args[0] ?? 'listen') as SectionKind;
  // `defaults from X` (no name) is allowed: the name is optional for defaults only.
  const hasName = args[1] !== undefined && !(kind === 'defaults' && args[1] === 'from' && args.length === 3);
  const name = hasName ? (args[1] ?? '') : '';
  const fromIndex = hasName ? 2 : 1;
  if (kind !== 'defaults') {
    if (name === '') {
      diag.error('ORCA_CONFIG_SYNTAX', `'${kind}' expects <name> as an argument.`, source);
    } else {
      const bad = PROXY_NAME_CHAR.exec(name);
      if (bad !== null) {
        diag.error('ORCA_CONFIG_SYNTAX', `character '${bad[0]}' is not permitted in '${kind}' name '${name}'.`, source);
      }
    }
  }
  // §4: "A defaults section resets all settings to the documented ones"; other sections start from the last one.
  let parent = kind === 'defaults' ? initialDraft('defaults', '', source) : lastDefaults;
  const fromWord = args[fromIndex];
  if (fromWord !== undefined) {
    const target = args[fromIndex + 1];
    if (fromWord !== 'from' || target === undefined || args[fromIndex + 2] !== undefined) {
      diag.error('ORCA_CONFIG_SYNTAX', `'${kind}' expects <name> [from <defaults_name>] as arguments.`, source);
    } else {
      // Only defaults sections declared earlier can be named, as in HAProxy (no forward references).
      const named = namedDefaults.get(target);
      if (named === undefined) {
        diag.error(
          'ORCA_CONFIG_REFERENCE',
          `defaults section '${target}' not found for ${kind === 'listen' ? 'proxy' : kind} '${name}'.`,
          source,
          { found: target },
        );
      } else {
        parent = named;
      }
    }
  }
  if (kind !== 'defaults') checkRuleInheritance(parent, kind, source, diag, ruleUsers);
  return inheritDraft(parent, kind, name, source);
}

/**
 * HAProxy 2.6 runs a defaults section's http-request/http-response rules before the proxy's own, so a listen
 * (both sides at once) may not inherit them, nor may frontends and backends share such a defaults section.
 */
function checkRuleInheritance(
  parent: ProxyDraft,
  kind: 'frontend' | 'backend' | 'listen',
  source: SourceRef,
  diag: Diagnostics,
  ruleUsers: Map<ProxyDraft, 'frontend' | 'backend'>,
): void {
  if (parent.httpRuleLines.request + parent.httpRuleLines.response === 0) return;
  if (kind === 'listen') {
    diag.error('ORCA_CONFIG_SYNTAX', 'a listen section cannot inherit from a defaults section defining TCP/HTTP rules.', source);
    return;
  }
  const user = ruleUsers.get(parent);
  if (user === undefined) {
    ruleUsers.set(parent, kind);
  } else if (user !== kind) {
    diag.error(
      'ORCA_CONFIG_SYNTAX',
      'frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules ' +
        `(defaults section at ${parent.source.file}:${parent.source.line}).`,
      source,
    );
  }
}

// The `userlist` section (manual §3.4): `group <name> [users <user>,…]` and `user <name> [password <hash> |
// insecure-password <text>] [groups <group>,…]`, with HAProxy 2.6's messages (duplicates ignored with a warning,
// unknown groups and users refused once the section is complete). A password hash orcalb cannot check (DES,
// bcrypt, yescrypt) is warned about: that user can never log in, which fails closed. Main thread, config parsing.

import { hashScheme } from '../../core/acl/password-hash.js';
import type { Diagnostics } from '../diagnostics.js';
import type { SourceRef, UserlistConfig, UserlistUser } from '../model.js';
import type { ConfigLine } from '../tokenize.js';

/** A userlist being parsed. */
export interface UserlistDraft {
  readonly name: string;
  readonly source: SourceRef;
  readonly users: { name: string; password: UserlistUser['password'] | undefined; groups: string[]; source: SourceRef }[];
  readonly groups: { name: string; users: string[]; source: SourceRef }[];
}

/** Opens a `userlist NAME` section; undefined (lines skipped) for a missing name or a duplicate. */
export function openUserlist(line: ConfigLine, existing: readonly UserlistDraft[], diag: Diagnostics): UserlistDraft | undefined {
  const name = line.args[1] ?? '';
  if (name === '') {
    diag.error('ORCA_CONFIG_SYNTAX', "'userlist' expects <name> as arguments.", line.source);
    return undefined;
  }
  if (existing.some((u) => u.name === name)) {
    diag.warn(`ignoring duplicated userlist '${name}'.`, line.source);
    return undefined;
  }
  return { name, source: line.source, users: [], groups: [] };
}

function list(word: string | undefined): string[] {
  return (word ?? '').split(',').filter((w) => w !== '');
}

/** One line of a userlist section. */
export function parseUserlistLine(draft: UserlistDraft, line: ConfigLine, diag: Diagnostics): void {
  const [keyword = '', name = '', ...rest] = line.args;
  const at = line.source;
  if (keyword === 'group') {
    if (name === '') return void diag.error('ORCA_CONFIG_SYNTAX', "'group' expects <name> as argument.", at);
    if (draft.groups.some((g) => g.name === name)) return diag.warn(`ignoring duplicated group '${name}' in userlist '${draft.name}'.`, at);
    const users = rest[0] === 'users' ? list(rest[1]) : [];
    if (rest.length > 0 && rest[0] !== 'users') {
      return void diag.error('ORCA_CONFIG_SYNTAX', "'group' only supports 'users' option.", at);
    }
    draft.groups.push({ name, users, source: at });
    return;
  }
  if (keyword === 'user') {
    if (name === '') return void diag.error('ORCA_CONFIG_SYNTAX', "'user' expects <name> as argument.", at);
    if (draft.users.some((u) => u.name === name)) return diag.warn(`ignoring duplicated user '${name}' in userlist '${draft.name}'.`, at);
    let password: UserlistUser['password'] | undefined;
    const groups: string[] = [];
    for (let i = 0; i < rest.length; i += 2) {
      const option = rest[i];
      const value = rest[i + 1] ?? '';
      if (option === 'password') password = { kind: 'hash', value };
      else if (option === 'insecure-password') password = { kind: 'clear', value };
      else if (option === 'groups') groups.push(...list(value));
      else return void diag.error('ORCA_CONFIG_SYNTAX', "'user' only supports 'password', 'insecure-password' and 'groups' options.", at);
    }
    if (password?.kind === 'hash' && hashScheme(password.value) === undefined) {
      diag.warn(
        `user '${name}' in userlist '${draft.name}': orcalb checks only $6$, $5$ and $1$ crypt hashes (or insecure-password); this user can never log in.`,
        at,
      );
    }
    draft.users.push({ name, password, groups, source: at });
    return;
  }
  diag.error('ORCA_CONFIG_UNKNOWN_KEYWORD', `unknown keyword '${keyword}' in 'users' section`, at, { found: keyword });
}

/** Checks the cross references of a complete userlist and builds it. */
export function finishUserlist(draft: UserlistDraft, diag: Diagnostics): UserlistConfig {
  const groupNames = new Set(draft.groups.map((g) => g.name));
  const userNames = new Set(draft.users.map((u) => u.name));
  for (const u of draft.users) {
    for (const g of u.groups) {
      if (!groupNames.has(g)) diag.error('ORCA_CONFIG_REFERENCE', `userlist '${draft.name}': no such group '${g}' specified in user '${u.name}'`, u.source);
    }
  }
  for (const g of draft.groups) {
    for (const u of g.users) {
      if (!userNames.has(u)) diag.error('ORCA_CONFIG_REFERENCE', `userlist '${draft.name}': no such user '${u}' specified in group '${g.name}'`, g.source);
    }
  }
  const users: UserlistUser[] = draft.users.map((u) => ({
    name: u.name,
    // No password at all: nothing can match it (HAProxy's check fails too).
    password: u.password ?? { kind: 'hash', value: '' },
    groups: [...new Set([...u.groups, ...draft.groups.filter((g) => g.users.includes(u.name)).map((g) => g.name)])],
  }));
  return { source: draft.source, name: draft.name, users, groups: draft.groups.map((g) => g.name) };
}

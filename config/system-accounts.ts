// uid/gid lookups for the global `user` and `group` keywords (manual §3.1), read straight from /etc/passwd and
// /etc/group: no native module, no external package. NSS sources other than files (LDAP, ...) are not consulted.
// Main thread, at config parse time (synchronous reads of two small files, once per lookup).

import { readFileSync } from 'node:fs';

export const PASSWD_FILE = '/etc/passwd';
export const GROUP_FILE = '/etc/group';

/**
 * The uid of user `name` in `file` (passwd format: name:passwd:uid:gid:...), or undefined when the user does not
 * exist or the file cannot be read. A numeric name is not taken as an id (HAProxy's `uid` keyword does that).
 */
export function lookupUserId(name: string, file: string = PASSWD_FILE): number | undefined {
  return lookupId(name, file);
}

/** The gid of group `name` in `file` (group format: name:passwd:gid:members), or undefined. */
export function lookupGroupId(name: string, file: string = GROUP_FILE): number | undefined {
  return lookupId(name, file);
}

/** Both formats keep the numeric id in the third colon-separated field. */
function lookupId(name: string, file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    // Comments and NIS "+"/"-" compat entries are not accounts.
    if (line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    if (fields[0] !== name) continue;
    const id = Number(fields[2]);
    return Number.isInteger(id) && id >= 0 ? id : undefined;
  }
  return undefined;
}

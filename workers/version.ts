// orcalb's version string, read once from package.json (the single source of truth).

import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // Falls through: a missing package.json only costs the version string.
  }
  return 'unknown';
}

export const ORCALB_VERSION = readVersion();

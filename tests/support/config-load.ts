// Test support for config/ tests: load inline config text, render its diagnostics as strings, and write real
// config files into a temp directory that is removed after the test.
// Runs on the test runner's main thread.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { renderWarning } from '../../config/config-error.js';
import { type LoadOptions, type LoadResult, loadConfigText } from '../../config/load-config.js';
import type { BackendConfig, Config, FrontendConfig } from '../../config/model.js';

/** Timeouts that silence HAProxy's "missing timeouts" warning in small test configs. */
export const TIMEOUTS = ['  timeout connect 1s', '  timeout client 1s', '  timeout server 1s'].join('\n');

/** Loads `text` as file `name`, with an empty environment unless one is given. */
export function load(text: string, name = 't.cfg', options: LoadOptions = {}): Promise<LoadResult> {
  return loadConfigText(text, name, { env: {}, ...options });
}

/** Errors and warnings rendered the way `orcalb -c` prints them after its prefix. */
export function rendered(result: LoadResult): { errors: string[]; warnings: string[] } {
  return { errors: result.errors.map((e) => e.render()), warnings: result.warnings.map(renderWarning) };
}

/** Asserts there is no error and returns the config. */
export function validConfig(result: LoadResult): Config {
  assert.deepEqual(rendered(result).errors, []);
  assert.ok(result.config !== undefined);
  return result.config;
}

export function frontendNamed(config: Config, name: string): FrontendConfig {
  const f = config.frontends.find((x) => x.name === name);
  assert.ok(f !== undefined, `no frontend '${name}'`);
  return f;
}

export function backendNamed(config: Config, name: string): BackendConfig {
  const b = config.backends.find((x) => x.name === name);
  assert.ok(b !== undefined, `no backend '${name}'`);
  return b;
}

/** Asserts that exactly one warning contains `fragment` and returns its rendered text. */
export function oneWarning(result: LoadResult, fragment: string): string {
  const hits = rendered(result).warnings.filter((w) => w.includes(fragment));
  assert.equal(hits.length, 1, `expected one warning with "${fragment}", got:\n${rendered(result).warnings.join('\n')}`);
  return hits[0] ?? '';
}

/** Writes `files` (name → text) into a fresh temp directory removed when the test ends; returns the directory. */
export async function tempConfigDir(t: TestContext, files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orcalb-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

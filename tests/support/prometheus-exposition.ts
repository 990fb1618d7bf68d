// Test support: a strict reader of the Prometheus text exposition format (version 0.0.4), for tests that hold
// orcalb's /metrics against haproxy 2.6.12's and against the format itself. Throws on anything the format does not
// allow: a sample before its family's TYPE, a family split in two, a bad metric or label name, an unescaped or badly
// escaped label value, a duplicate label or sample, a value that is no float. Test-runner thread.

/** One sample line. */
export interface PromSample {
  readonly name: string;
  /** Label name → unescaped value, in line order. */
  readonly labels: ReadonlyMap<string, string>;
  /** The value as written (e.g. '0', 'NaN', '0.001000'). */
  readonly raw: string;
  readonly value: number;
}

/** One family: its HELP (unescaped), TYPE and samples in order. */
export interface PromFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly samples: PromSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|NaN|[+-]Inf)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function unescape(s: string, what: string, quote: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      if (quote && c === '"') throw new Error(`unescaped '"' in ${what}`);
      if (c === '\n') throw new Error(`raw newline in ${what}`);
      out += c;
      continue;
    }
    const n = s[++i];
    if (n === '\\') out += '\\';
    else if (n === 'n') out += '\n';
    else if (quote && n === '"') out += '"';
    else throw new Error(`bad escape '\\${n ?? ''}' in ${what}`);
  }
  return out;
}

/** Reads `{a="x",b="y"}` starting at `s[0] === '{'`; returns the labels and the index after '}'. */
function readLabels(s: string, line: string): [Map<string, string>, number] {
  const labels = new Map<string, string>();
  let i = 1;
  for (let guard = 0; guard < 10_000; guard++) {
    if (s[i] === '}') return [labels, i + 1];
    const eq = s.indexOf('="', i);
    if (eq < 0) throw new Error(`bad label set: ${line}`);
    const name = s.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name '${name}': ${line}`);
    if (labels.has(name)) throw new Error(`duplicate label '${name}': ${line}`);
    let j = eq + 2;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    if (j >= s.length) throw new Error(`unterminated label value: ${line}`);
    labels.set(name, unescape(s.slice(eq + 2, j), line, true));
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new Error(`expected ',' or '}': ${line}`);
  }
  throw new Error(`label set too long: ${line}`);
}

/** The family a sample name belongs to (histogram/summary suffixes are not used by haproxy or orcalb). */
const familyOf = (sample: string): string => sample;

/** The family a histogram sample belongs to: `family` for `<family>_bucket|_sum|_count`, else the name itself. */
function histogramFamilyOf(sample: string, family: string): string {
  for (const suffix of ['_bucket', '_sum', '_count']) if (sample === family + suffix) return family;
  return sample;
}

/** Parses a whole exposition text into its families, in order; throws on any violation of the format. */
export function parseExposition(text: string): PromFamily[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const families: PromFamily[] = [];
  const byName = new Map<string, PromFamily>();
  const seenSamples = new Set<string>();
  let current: PromFamily | undefined;
  let pendingHelp: { name: string; help: string } | undefined;
  for (const line of text.split('\n').slice(0, -1)) {
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const sp = rest.indexOf(' ');
      const name = sp < 0 ? rest : rest.slice(0, sp);
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in HELP: ${line}`);
      if (byName.has(name)) throw new Error(`family ${name} appears twice`);
      pendingHelp = { name, help: unescape(sp < 0 ? '' : rest.slice(sp + 1), line, false) };
    } else if (line.startsWith('# TYPE ')) {
      const [name = '', type = '', ...more] = line.slice(7).split(' ');
      if (!METRIC_NAME.test(name) || !TYPES.has(type) || more.length > 0) throw new Error(`bad TYPE line: ${line}`);
      if (byName.has(name)) throw new Error(`family ${name} appears twice`);
      if (pendingHelp !== undefined && pendingHelp.name !== name) throw new Error(`HELP of ${pendingHelp.name} then TYPE of ${name}`);
      current = { name, help: pendingHelp?.help ?? '', type, samples: [] };
      pendingHelp = undefined;
      families.push(current);
      byName.set(name, current);
    } else if (line.startsWith('#') || line === '') {
      continue;
    } else {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
      if (m === null) throw new Error(`bad sample line: ${line}`);
      const name = m[1] as string;
      let rest = line.slice(name.length);
      let labels = new Map<string, string>();
      if (rest.startsWith('{')) {
        const [l, end] = readLabels(rest, line);
        labels = l;
        rest = rest.slice(end);
      }
      const parts = rest.split(' ');
      if (parts[0] !== '' || parts.length < 2 || parts.length > 3) throw new Error(`bad sample line: ${line}`);
      const raw = parts[1] as string;
      if (!FLOAT.test(raw)) throw new Error(`bad value '${raw}': ${line}`);
      // A histogram's samples carry the suffixes _bucket (with `le`), _sum and _count of its family's name.
      const fam = current?.type === 'histogram' ? histogramFamilyOf(name, current.name) : familyOf(name);
      if (current === undefined || current.name !== fam) throw new Error(`sample outside its family (no TYPE of ${fam} just before): ${line}`);
      const key = `${name}${JSON.stringify([...labels])}`;
      if (seenSamples.has(key)) throw new Error(`duplicate sample: ${line}`);
      seenSamples.add(key);
      const value = raw === 'NaN' ? NaN : raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
      current.samples.push({ name, labels, raw, value });
    }
  }
  return families;
}

/** A sample's identity: its name and labels in their order, e.g. `haproxy_server_status{proxy=be,server=s1,state=UP}`. */
export function sampleKey(s: PromSample): string {
  return `${s.name}{${[...s.labels].map(([k, v]) => `${k}=${v}`).join(',')}}`;
}

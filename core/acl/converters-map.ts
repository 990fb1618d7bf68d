// Map converters (manual §7.3.1 `map`): map(<file>[,<default>]) and map_<match>[_<output>] look the sample up among a
// map file's keys (read once at load) and return the value of the matching line, or the default. Keys are matched
// as ACL patterns are: exact strings by hash, prefixes and suffixes bucketed by length, IP networks most specific
// first (core/acl/match-ip.ts), the others in file order (the first matching line wins, as in HAProxy's lists).
// Built at load on the main thread and each forwarder; a lookup allocates nothing except map_reg/map_regm.

import type { SampleArg } from '../../config/model.js';
import { IntRanges, parseIntPattern } from './match-int.js';
import { IpTable, parseIpPattern } from './match-ip.js';
import { compileRegex } from './match-regex.js';
import { StringPatterns } from './match-string.js';
import type { Compiled, ConverterDescriptor, ConverterInput, EvalConverter } from './descriptor.js';
import { SMP, type Sample, type SampleArena, type SmpType } from './sample.js';

type KeyMatch = 'str' | 'beg' | 'sub' | 'dir' | 'dom' | 'end' | 'reg' | 'regm' | 'int' | 'ip';
type ValueType = 'str' | 'int' | 'ip';

/** The values of a map, typed for its output. */
interface Values {
  readonly text: readonly Buffer[];
  readonly ints: Float64Array;
  readonly ips: Uint8Array;
  readonly families: Uint8Array;
}

/** Parses the values (and the default) for the output type; HAProxy's error text for a value that is not one. */
function parseValues(texts: readonly string[], out: ValueType): Values | string {
  const ints = new Float64Array(texts.length);
  const ips = new Uint8Array(texts.length * 16);
  const families = new Uint8Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i] ?? '';
    if (out === 'int') {
      if (!/^[-+]?\d+$/.test(t)) return `'${t}' is not a valid integer`;
      ints[i] = Number(t);
    } else if (out === 'ip') {
      const net = parseIpPattern(t);
      if (typeof net === 'string' || net.prefix !== (net.family === 4 ? 32 : 128)) return `'${t}' is not a valid IP address`;
      for (let w = 0; w < (net.family === 4 ? 1 : 4); w++) {
        const v = net.words[w] ?? 0;
        ips[i * 16 + w * 4] = v >>> 24;
        ips[i * 16 + w * 4 + 1] = (v >>> 16) & 0xff;
        ips[i * 16 + w * 4 + 2] = (v >>> 8) & 0xff;
        ips[i * 16 + w * 4 + 3] = v & 0xff;
      }
      families[i] = net.family;
    }
  }
  return { text: texts.map((t) => Buffer.from(t, 'utf8')), ints, ips, families };
}

/** Sets `s` to value `i` of the map. */
function emit(values: Values, out: ValueType, i: number, s: Sample): boolean {
  if (out === 'int') return s.setInt(values.ints[i] ?? 0);
  if (out === 'ip') return s.setIp(values.ips, i * 16, values.families[i] === 6 ? 6 : 4);
  const t = values.text[i];
  return t === undefined ? false : s.setStr(t, 0, t.length);
}

/** The key finder: index of the matching line, -1 when none (and for regm, the match for back-references). */
type Finder = (s: Sample) => number;

function keyFinder(match: KeyMatch, keys: readonly string[]): Compiled<{ find: Finder; regexes: RegExp[] }> {
  if (match === 'ip') {
    const table = new IpTable();
    for (let i = 0; i < keys.length; i++) {
      const net = parseIpPattern(keys[i] ?? '');
      if (typeof net === 'string') return { error: net };
      table.add(net, i);
    }
    table.freeze();
    return { find: (s) => (s.type === SMP.IPV4 || s.type === SMP.IPV6 ? table.lookup(s.ip, s.type === SMP.IPV4 ? 4 : 6) : -1), regexes: [] };
  }
  if (match === 'int') {
    const ranges: IntRanges[] = [];
    for (const k of keys) {
      const r = parseIntPattern(k, undefined);
      if (typeof r === 'string') return { error: r };
      ranges.push(new IntRanges([r]));
    }
    return {
      find: (s) => {
        for (let i = 0; i < ranges.length; i++) if (ranges[i]?.has(s.int) === true) return i;
        return -1;
      },
      regexes: [],
    };
  }
  if (match === 'reg' || match === 'regm') {
    const regexes: RegExp[] = [];
    for (const k of keys) {
      const re = compileRegex(k, false);
      if (typeof re === 'string') return { error: re };
      regexes.push(re);
    }
    return {
      find: (s) => {
        const text = s.text();
        for (let i = 0; i < regexes.length; i++) if (regexes[i]?.test(text) === true) return i;
        return -1;
      },
      regexes,
    };
  }
  const patterns = new StringPatterns(
    match,
    keys.map((k, index) => ({ bytes: k, fold: false, index })),
  );
  return { find: (s) => patterns.find(s.buf, s.start, s.end), regexes: [] };
}

/** map_regm: the value with \0-\9 replaced by the groups of the key's match. */
function regmValue(value: string, re: RegExp, s: Sample, arena: SampleArena): boolean {
  const m = re.exec(s.text());
  const text = m === null ? value : value.replace(/\\([0-9])/g, (_a, d: string) => m[Number(d)] ?? '');
  const at = arena.take(text.length);
  if (at < 0) return false;
  arena.buf.write(text, at, 'latin1');
  return s.setStr(arena.buf, at, at + text.length);
}

function mapDescriptor(name: string, match: KeyMatch, out: ValueType): ConverterDescriptor {
  const input: ConverterInput = match === 'ip' ? 'addr' : match === 'int' ? SMP.SINT : SMP.STR;
  const outType: SmpType = out === 'int' ? SMP.SINT : out === 'ip' ? SMP.IPV4 : SMP.STR;
  return {
    name,
    args: { types: ['string', out === 'int' ? 'integer' : 'string'], mandatory: 1 },
    in: input,
    out: outType,
    compile(args: readonly SampleArg[]) {
      const file = args[0];
      if (file?.kind !== 'map') return { error: 'map file expected' };
      const dflt = args[1];
      const texts = file.entries.map(([, v]) => v);
      const hasDefault = dflt !== undefined;
      if (hasDefault) texts.push(dflt.kind === 'int' ? String(dflt.value) : dflt.kind === 'str' ? dflt.text : '');
      const values = parseValues(texts, out);
      if (typeof values === 'string') return { error: values };
      const finder = keyFinder(match, file.entries.map(([k]) => k));
      if ('error' in finder) return finder;
      const fallback = hasDefault ? texts.length - 1 : -1;
      const { find, regexes } = finder;
      const convert: EvalConverter = (s, arena) => {
        const i = find(s);
        if (i < 0) return fallback < 0 ? false : emit(values, out, fallback, s);
        if (match === 'regm') {
          const re = regexes[i];
          return re === undefined ? false : regmValue(file.entries[i]?.[1] ?? '', re, s, arena);
        }
        return emit(values, out, i, s);
      };
      return convert;
    },
  };
}

const MATCHES: readonly KeyMatch[] = ['str', 'beg', 'sub', 'dir', 'dom', 'end', 'reg', 'int', 'ip'];

export const MAP_CONVERTERS: readonly ConverterDescriptor[] = [
  mapDescriptor('map', 'str', 'str'),
  mapDescriptor('map_regm', 'regm', 'str'),
  ...MATCHES.flatMap((m) => [mapDescriptor(`map_${m}`, m, 'str'), mapDescriptor(`map_${m}_int`, m, 'int'), mapDescriptor(`map_${m}_ip`, m, 'ip')]),
];

/** Reads a map file's text as HAProxy does: `#` lines and empty ones skipped, leading blanks stripped, the key is the
 * first word, the value the rest of the line without its surrounding blanks. */
export function parseMapText(text: string): [string, string][] {
  const entries: [string, string][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)[ \t]*(.*?)[ \t]*$/.exec(line);
    if (m !== null) entries.push([m[1] ?? '', m[2] ?? '']);
  }
  return entries;
}

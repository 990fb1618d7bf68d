// Regular expressions of ACL patterns (`-m reg`, manual §7.1.4) and of regsub/map_reg: compiled once at load with
// JavaScript's engine over Latin-1 text, so that a pattern and a sample compare byte for byte as PCRE2 (HAProxy's
// engine, non-UTF mode) compares them. The PCRE anchors JavaScript lacks (\A, \z, \Z) and a leading (?i) are
// translated; a pattern JavaScript cannot compile is a config error, as PCRE's refusals are. Main thread at load,
// forwarder threads per match (a sample is turned into a string first: regex matches allocate).

/** The UTF-8 bytes of `text` as a Latin-1 string (one char per byte). */
function bytesAsLatin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** PCRE's anchors, which JavaScript reads as literal letters without the u flag. */
function translateAnchors(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length) {
      const n = source[i + 1];
      i++;
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && n === 'z') out += '(?![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?=\\n?(?![\\s\\S]))';
      else out += `\\${n}`;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

/**
 * Compiles an ACL or converter regex. `ignoreCase` is `-i` (or regsub's `i`); `global` makes it usable with exec()
 * loops (lastIndex). Returns the RegExp, or HAProxy's "regex '…' is invalid (error=…)" text. Never throws.
 */
export function compileRegex(source: string, ignoreCase: boolean, global = false): RegExp | string {
  let body = source;
  let icase = ignoreCase;
  // PCRE's leading option setting; JavaScript only knows the scoped (?i:…) form.
  if (body.startsWith('(?i)')) {
    body = body.slice(4);
    icase = true;
  }
  try {
    return new RegExp(translateAnchors(bytesAsLatin1(body)), `${icase ? 'i' : ''}${global ? 'g' : ''}`);
  } catch (e) {
    // V8 words it `Invalid regular expression: /(abc/: Unterminated group`: the reason is what follows the source.
    const why = e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(e);
    return `regex '${source}' is invalid (error=${why})`;
  }
}

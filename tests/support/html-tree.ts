// Test support: a tiny tolerant HTML reader for comparing stats pages (orcalb's and haproxy 2.6.12's) by structure
// rather than by bytes: tags, attributes (quoted or bare), text, void elements and the unclosed `<p>`/`<li>` that
// HAProxy's page leaves open. Entities are decoded for the few the pages use. Test-runner thread.

/** An element: lower-case name, attributes (name → value, bare attributes → ''), children. */
export interface HtmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: HtmlNode[];
}
export type HtmlNode = HtmlElement | string;

const VOID = new Set(['br', 'hr', 'img', 'input', 'link', 'meta']);
/** Elements a new sibling of the same kind (or the parent's end) closes implicitly. */
const SELF_CLOSING_SIBLINGS = new Set(['p', 'li']);
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: '\u00a0', uarr: '↑', darr: '↓' };

function decode(text: string): string {
  return text.replace(/&(#\d+|[a-z]+);/g, (all, e: string) =>
    e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : (ENTITIES[e] ?? all),
  );
}

function parseAttrs(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([^\s=/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const name = (m[1] ?? '').toLowerCase();
    attrs[name] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** Parses `html` into a root element named `#root`. Never throws; unknown end tags are ignored. */
export function parseHtml(html: string): HtmlElement {
  const root: HtmlElement = { name: '#root', attrs: {}, children: [] };
  const stack: HtmlElement[] = [root];
  const top = (): HtmlElement => stack[stack.length - 1] ?? root;
  let i = 0;
  for (let guard = 0; i < html.length && guard < 10_000_000; guard++) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      top().children.push(decode(html.slice(i)));
      break;
    }
    if (lt > i) top().children.push(decode(html.slice(i, lt)));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt);
    if (gt < 0) break;
    const body = html.slice(lt + 1, gt);
    i = gt + 1;
    if (body.startsWith('!')) continue;
    if (body.startsWith('/')) {
      const name = body.slice(1).trim().toLowerCase();
      const at = stack.map((e) => e.name).lastIndexOf(name);
      if (at > 0) stack.length = at;
      continue;
    }
    const name = (/^[^\s/>]+/.exec(body)?.[0] ?? '').toLowerCase();
    const el: HtmlElement = { name, attrs: parseAttrs(body.slice(name.length)), children: [] };
    if (SELF_CLOSING_SIBLINGS.has(name) && top().name === name) stack.pop();
    top().children.push(el);
    if (name === 'style' || name === 'script') {
      const end = html.toLowerCase().indexOf(`</${name}`, i);
      el.children.push(html.slice(i, end < 0 ? html.length : end));
      i = end < 0 ? html.length : html.indexOf('>', end) + 1;
      continue;
    }
    if (!VOID.has(name) && !body.endsWith('/')) stack.push(el);
  }
  return root;
}

/** Every element under `node` (depth first, document order) that `pred` accepts. */
export function findAll(node: HtmlElement, pred: (e: HtmlElement) => boolean): HtmlElement[] {
  const out: HtmlElement[] = [];
  const walk = (e: HtmlElement): void => {
    for (const c of e.children) {
      if (typeof c === 'string') continue;
      if (pred(c)) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** The first element under `node` that `pred` accepts; throws when there is none. */
export function findOne(node: HtmlElement, pred: (e: HtmlElement) => boolean, what: string): HtmlElement {
  const found = findAll(node, pred)[0];
  if (found === undefined) throw new Error(`no ${what} in the page`);
  return found;
}

/** Direct element children named `name`. */
export function childrenNamed(node: HtmlElement, name: string): HtmlElement[] {
  return node.children.filter((c): c is HtmlElement => typeof c !== 'string' && c.name === name);
}

/** Text content with runs of whitespace collapsed; `skip` leaves out matching subtrees (e.g. hover boxes). */
export function textOf(node: HtmlNode, skip?: (e: HtmlElement) => boolean): string {
  const parts: string[] = [];
  const walk = (n: HtmlNode): void => {
    if (typeof n === 'string') parts.push(n);
    else if (skip === undefined || !skip(n)) n.children.forEach(walk);
  };
  walk(node);
  return parts.join('').replace(/[\s\u00a0]+/g, ' ').trim();
}

/** True for an element carrying `cls` in its class attribute. */
export function hasClass(e: HtmlElement, cls: string): boolean {
  return (e.attrs['class'] ?? '').split(/\s+/).includes(cls);
}

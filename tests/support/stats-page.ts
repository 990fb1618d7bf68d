// Test support: reads a stats page (orcalb's or haproxy 2.6.12's) into plain data through tests/support/html-tree.ts,
// so two pages are compared by what an operator sees: proxies in order, each row's state class and cells (text and
// hover box apart), the admin form's fields, the process block, links, legend and the `;st=` message.
// Test-runner thread.

import { findAll, hasClass, type HtmlElement, parseHtml, textOf } from './html-tree.js';

export interface PageCell {
  /** The cell's text without its hover box. */
  readonly text: string;
  /** The hover boxes' texts (`div.tips`), in order. */
  readonly tips: readonly string[];
  /** colspan, when the cell spans columns. */
  readonly span?: string;
}
export interface PageRow {
  /** The row's class: frontend, backend, socket or a server state class (active_up, maintain…). */
  readonly cls: string;
  /** Checkbox `s` value in the admin form, if any. */
  readonly checkbox?: string;
  readonly cells: readonly PageCell[];
}
export interface PageProxy {
  readonly name: string;
  /** The hover box of the name bar (show-legends), '' without. */
  readonly nameTip: string;
  /** The proxy's description in its name bar, '' without. */
  desc: string;
  readonly rows: PageRow[];
  /** The admin form around this proxy: action option values and the hidden `b` value. */
  form?: { readonly actions: readonly string[]; readonly b: string; readonly method: string };
}
export interface StatsPage {
  readonly title: string;
  readonly h1: string;
  readonly h2: string;
  /** The process information lines (first cell of the top table), one per `<br>`-separated line. */
  readonly processLines: readonly string[];
  /** Legend state classes in order. */
  readonly legend: readonly string[];
  /** Display option and external resource links: [text, href]. */
  readonly links: readonly (readonly [string, string])[];
  /** The `;st=` message: [class, text], or undefined. */
  readonly message?: readonly [string, string];
  readonly proxies: readonly PageProxy[];
}

const isTips = (e: HtmlElement): boolean => e.name === 'div' && hasClass(e, 'tips');
const ROW_CLASS = /^(frontend|backend|socket|maintain|(active|backup)_[a-z_]+)$/;

/** Reads `html` into a StatsPage. Throws when the page lacks its header. */
export function readStatsPage(html: string): StatsPage {
  const root = parseHtml(html);
  const one = (name: string): string => textOf(findAll(root, (e) => e.name === name)[0] ?? root, isTips);
  const legendTable = findAll(root, (e) => e.name === 'table' && hasClass(e, 'lgd'))[0];
  const legend = legendTable === undefined ? [] : findAll(legendTable, (e) => e.name === 'td' && !hasClass(e, 'noborder')).map((e) => e.attrs['class'] ?? '');
  const top = findAll(root, (e) => e.name === 'table' && e.attrs['border'] === '0')[0];
  const firstCell = top === undefined ? undefined : findAll(top, (e) => e.name === 'td')[0];
  const processLines = firstCell === undefined ? [] : linesOf(firstCell);
  const links = top === undefined ? [] : findAll(top, (e) => e.name === 'a').map((a) => [textOf(a), a.attrs['href'] ?? ''] as const);
  const msgDiv = findAll(root, (e) => e.name === 'div' && !isTips(e) && findAll(e, (a) => a.name === 'a' && a.attrs['title'] === 'Remove this message').length > 0)[0];
  const message = msgDiv === undefined ? undefined : ([msgDiv.attrs['class'] ?? '', textOf(msgDiv)] as const);
  return { title: one('title'), h1: one('h1'), h2: one('h2'), processLines, legend, links, ...(message === undefined ? {} : { message }), proxies: proxiesOf(root) };
}

/** The text of `cell` split at its `<br>`s. */
function linesOf(cell: HtmlElement): string[] {
  const lines: string[] = [''];
  const walk = (n: HtmlElement | string): void => {
    if (typeof n === 'string') lines[lines.length - 1] += n;
    else if (n.name === 'br') lines.push('');
    else if (n.name !== 'table') n.children.forEach(walk);
  };
  cell.children.forEach(walk);
  return lines.map((l) => l.replace(/[\s\u00a0]+/g, ' ').trim()).filter((l) => l !== '');
}

function proxiesOf(root: HtmlElement): PageProxy[] {
  const proxies: PageProxy[] = [];
  const walk = (e: HtmlElement, form: HtmlElement | undefined): void => {
    for (const c of e.children) {
      if (typeof c === 'string') continue;
      if (c.name === 'form' && c.attrs['method'] === 'post') {
        walk(c, c);
        const px = proxies[proxies.length - 1];
        if (px !== undefined) {
          px.form = {
            method: 'post',
            actions: findAll(c, (o) => o.name === 'option').map((o) => o.attrs['value'] ?? ''),
            b: findAll(c, (i) => i.name === 'input' && i.attrs['name'] === 'b')[0]?.attrs['value'] ?? '',
          };
        }
        continue;
      }
      if (c.name === 'th' && hasClass(c, 'pxname')) {
        const tips = findAll(c, isTips);
        proxies.push({ name: textOf(c, isTips), nameTip: tips.map((t) => textOf(t)).join(' | '), desc: '', rows: [] });
        continue;
      }
      if (c.name === 'th' && hasClass(c, 'desc')) {
        const px = proxies[proxies.length - 1];
        if (px !== undefined) px.desc = textOf(c);
        continue;
      }
      if (c.name === 'tr' && ROW_CLASS.test(c.attrs['class'] ?? '')) {
        proxies[proxies.length - 1]?.rows.push(rowOf(c));
        continue;
      }
      walk(c, form);
    }
  };
  walk(root, undefined);
  return proxies;
}

function rowOf(tr: HtmlElement): PageRow {
  const tds = tr.children.filter((c): c is HtmlElement => typeof c !== 'string' && c.name === 'td');
  const box = tds[0] === undefined ? undefined : findAll(tds[0], (e) => e.name === 'input' && e.attrs['name'] === 's')[0];
  const cells = tds.map((td) => {
    const span = td.attrs['colspan'];
    return { text: textOf(td, isTips), tips: findAll(td, isTips).map((t) => textOf(t)), ...(span === undefined ? {} : { span }) };
  });
  return { cls: tr.attrs['class'] ?? '', ...(box === undefined ? {} : { checkbox: box.attrs['value'] ?? '' }), cells };
}

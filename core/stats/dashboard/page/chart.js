// A small time-series line chart on <canvas> for the dashboard (no library: the page draws a few lines per second).
// Draws a History's series over a fixed window ending now, with a y axis scaled to the data, grid lines, and a
// legend kept in the DOM. Browser.

const PALETTE = ['#4cc9f0', '#f72585', '#b5e48c', '#ffb703', '#9d4edd', '#06d6a0', '#ef476f', '#118ab2', '#fb8500',
  '#e0aaff', '#90be6d', '#f9844a'];

/** @type {Map<string, string>} */
const assigned = new Map();

/**
 * The colour of a series name: palette colours handed out in order of first appearance, so the first dozen names
 * never share one and a backend keeps its colour in every chart.
 * @param {string} name
 */
export function colourOf(name) {
  let c = assigned.get(name);
  if (c === undefined) {
    c = PALETTE[assigned.size % PALETTE.length];
    assigned.set(name, c);
  }
  return c;
}

/** 1234567 → "1.23 M", with a unit suffix. @param {number} v @param {string} unit */
export function shortNumber(v, unit = '') {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  const [d, s] = a >= 1e9 ? [1e9, ' G'] : a >= 1e6 ? [1e6, ' M'] : a >= 1e3 ? [1e3, ' k'] : [1, unit ? ' ' : ''];
  const x = v / d;
  const text = Math.abs(x) >= 100 || d === 1 && Number.isInteger(x) ? x.toFixed(0) : x.toFixed(Math.abs(x) >= 10 ? 1 : 2);
  return text + s + unit;
}

/** Spacing of the time labels, the first that puts at most 6 on the axis. */
const TIME_STEPS = [5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3];

/** 90000 → "1m30s", 120000 → "2m", 15000 → "15s". @param {number} ms */
function timeLabel(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** A "nice" axis top ≥ max: 1, 2, 2.5, 5 × 10^n. @param {number} max */
function niceTop(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} legend
   * @param {{ windowMs: number, unit?: string, fixedTop?: number }} opts
   */
  constructor(canvas, legend, opts) {
    this.canvas = canvas;
    this.legend = legend;
    this.opts = opts;
    this.legendKey = '';
  }

  /**
   * Draws `keys` (series of `history`, shown under `labels`) for the window ending at `now`.
   * @param {import('./history.js').History} history
   * @param {string[]} keys
   * @param {string[]} labels
   * @param {number} now
   * @param {number} [windowMs] the span shown, ending at `now` (default: the chart's windowMs)
   */
  draw(history, keys, labels, now, windowMs = this.opts.windowMs) {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d');
    if (g === null) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const css = getComputedStyle(document.body);
    const grid = css.getPropertyValue('--grid').trim() || '#2a3140';
    const ink = css.getPropertyValue('--muted').trim() || '#8b95a7';

    let max = 0;
    const lines = [];
    for (const key of keys) {
      const values = history.series.get(key);
      if (values === undefined) continue;
      lines.push(values);
      for (let i = 0; i < history.length; i++) {
        const v = values[history.at(i)];
        if (v > max) max = v;
      }
    }
    const top = this.opts.fixedTop !== undefined ? Math.max(this.opts.fixedTop, niceTop(max)) : niceTop(max);
    const left = 52;
    const right = 8;
    const topPad = 8;
    const bottom = 20;
    const pw = Math.max(10, w - left - right);
    const ph = Math.max(10, h - topPad - bottom);
    const x = (t) => left + pw * (1 - (now - t) / windowMs);
    const y = (v) => topPad + ph * (1 - v / top);

    g.font = '11px ui-sans-serif, system-ui, sans-serif';
    g.lineWidth = 1;
    g.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) {
      const v = (top * k) / 4;
      const yy = Math.round(y(v)) + 0.5;
      g.strokeStyle = grid;
      g.beginPath();
      g.moveTo(left, yy);
      g.lineTo(left + pw, yy);
      g.stroke();
      g.fillStyle = ink;
      g.textAlign = 'right';
      g.fillText(shortNumber(v, this.opts.unit ?? ''), left - 6, yy);
    }
    g.textAlign = 'center';
    g.textBaseline = 'alphabetic';
    const step = TIME_STEPS.find((st) => windowMs / st <= 6) ?? TIME_STEPS[TIME_STEPS.length - 1];
    for (let back = 0; back <= windowMs; back += step) {
      const xx = x(now - back);
      g.fillText(back === 0 ? 'now' : `-${timeLabel(back)}`, Math.min(Math.max(xx, left + 12), left + pw - 12), h - 5);
    }

    g.lineWidth = 1.6;
    g.lineJoin = 'round';
    keys.forEach((key, k) => {
      const values = history.series.get(key);
      if (values === undefined) return;
      g.strokeStyle = colourOf(labels[k]);
      g.beginPath();
      let pen = false;
      for (let i = 0; i < history.length; i++) {
        const p = history.at(i);
        const v = values[p];
        if (Number.isNaN(v)) {
          pen = false; // a gap (no data that second) stays a gap
          continue;
        }
        const xx = x(history.times[p]);
        if (xx < left) continue;
        if (pen) g.lineTo(xx, y(v));
        else g.moveTo(xx, y(v));
        pen = true;
      }
      g.stroke();
    });
    if (lines.length === 0) {
      g.fillStyle = ink;
      g.textAlign = 'center';
      g.fillText('no data', left + pw / 2, topPad + ph / 2);
    }
    this.updateLegend(history, keys, labels);
  }

  /** Legend: swatch, label, latest value. Rebuilt only when the series set changes. */
  updateLegend(history, keys, labels) {
    const signature = keys.join('\u0000');
    if (signature !== this.legendKey) {
      this.legendKey = signature;
      this.legend.replaceChildren(...keys.map((key, i) => {
        const item = document.createElement('span');
        item.className = 'item';
        const sw = document.createElement('i');
        sw.style.background = colourOf(labels[i]);
        const name = document.createElement('span');
        name.textContent = labels[i];
        const val = document.createElement('b');
        item.append(sw, name, val);
        return item;
      }));
    }
    const newest = history.length > 0 ? history.at(history.length - 1) : -1;
    keys.forEach((key, i) => {
      const b = this.legend.children[i]?.querySelector('b');
      const v = newest < 0 ? NaN : history.series.get(key)?.[newest] ?? NaN;
      if (b) b.textContent = shortNumber(v, this.opts.unit ?? '');
    });
  }
}

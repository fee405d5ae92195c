/**
 * Op. 5(3): the monitoring report's charts as small standalone SVG files, written here rather than with a charting
 * library: the charts are grouped bars over a handful of years, which is a few dozen lines of markup, and the
 * libraries that draw SVG (d3 with jsdom, vega with its renderer, chart.js with a canvas) bring a DOM or a native
 * canvas to the CLI for that. Every text is escaped; the files open in any browser and embed in reports.
 */
export interface Series {
  name: string;
  values: number[];
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round step for the value axis: 1, 2 or 5 times a power of ten, about five ticks up to `max`. */
function tickStep(max: number): number {
  if (max <= 0) return 1;
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
}

const label = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 }));

/** Grouped bars: one group per category (a year), one bar per series, with a legend. */
export function barChart(title: string, unit: string, categories: string[], series: Series[]): string {
  const width = 720;
  const height = 360;
  const m = { top: 48, right: 16, bottom: 48, left: 72 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const step = tickStep(max);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const y = (v: number) => m.top + plotH - (v / top) * plotH;
  const group = categories.length ? plotW / categories.length : plotW;
  const bar = (group * 0.8) / Math.max(1, series.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escape(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="14" y="${m.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${m.top + plotH / 2})">${escape(unit)}</text>`,
  ];
  for (let v = 0; v <= top + step / 2; v += step) {
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y(v) + 4}" text-anchor="end">${label(v)}</text>`);
  }
  categories.forEach((c, i) => {
    const x0 = m.left + i * group + group * 0.1;
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      parts.push(
        `<rect x="${(x0 + j * bar).toFixed(1)}" y="${y(v).toFixed(1)}" width="${Math.max(1, bar - 2).toFixed(1)}" height="${(m.top + plotH - y(v)).toFixed(1)}" fill="${COLOURS[j % COLOURS.length]}"><title>${escape(`${s.name} ${c}: ${label(v)}`)}</title></rect>`,
      );
    });
    parts.push(`<text x="${(m.left + i * group + group / 2).toFixed(1)}" y="${m.top + plotH + 18}" text-anchor="middle">${escape(c)}</text>`);
  });
  parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>`);
  series.forEach((s, j) => {
    const x = m.left + j * 150;
    parts.push(`<rect x="${x}" y="${height - 18}" width="10" height="10" fill="${COLOURS[j % COLOURS.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="${height - 9}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

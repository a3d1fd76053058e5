// Draws latency distributions as an SVG box plot (one box per series, log-scaled latency axis,
// whiskers at the 1st and 99th percentiles), with no dependency beyond string building.

export interface Series {
  label: string;
  /** Latencies in microseconds. */
  values: Float64Array | number[];
  color?: string;
}

interface Box { label: string; color: string; p1: number; q1: number; med: number; q3: number; p99: number; mean: number }

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const palette = ['#2b7a78', '#c2410c', '#4f46e5', '#15803d', '#b91c1c', '#0e7490', '#7c3aed', '#a16207'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmtUs(us: number): string {
  if (us >= 1000) return `${+(us / 1000).toPrecision(3)} ms`;
  return `${+us.toPrecision(3)} µs`;
}

/** Returns an SVG document: one horizontal box per series, sharing a log10 latency axis. */
export function boxPlotSvg(series: Series[], title: string): string {
  const boxes: Box[] = series.map((s, i) => {
    const sorted = Float64Array.from(s.values).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      label: s.label, color: s.color ?? palette[i % palette.length]!,
      p1: quantile(sorted, 0.01), q1: quantile(sorted, 0.25), med: quantile(sorted, 0.5),
      q3: quantile(sorted, 0.75), p99: quantile(sorted, 0.99), mean: sum / Math.max(1, sorted.length),
    };
  });
  const finite = boxes.flatMap((b) => [b.p1, b.p99]).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...finite, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...finite, 10))));
  const labelW = 260, plotW = 640, rowH = 34, top = 50, width = labelW + plotW + 40;
  const height = top + boxes.length * rowH + 60;
  const x = (v: number) => labelW + (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  for (let e = Math.log10(lo); e <= Math.log10(hi); e++) {
    const v = Math.pow(10, e);
    const gx = x(v).toFixed(1);
    out.push(`<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${top + boxes.length * rowH}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${top + boxes.length * rowH + 18}" text-anchor="middle">${fmtUs(v)}</text>`);
  }
  out.push(`<text x="${labelW + plotW / 2}" y="${height - 14}" text-anchor="middle">client-side latency per request (log scale; whiskers p1–p99, ◆ mean)</text>`);
  boxes.forEach((b, i) => {
    const cy = top + i * rowH + rowH / 2;
    const h = rowH * 0.55;
    out.push(`<text x="${labelW - 10}" y="${cy + 4}" text-anchor="end">${escapeXml(b.label)}</text>`);
    if (!Number.isFinite(b.med)) return;
    out.push(`<line x1="${x(b.p1).toFixed(1)}" y1="${cy}" x2="${x(b.p99).toFixed(1)}" y2="${cy}" stroke="${b.color}"/>`);
    for (const w of [b.p1, b.p99]) out.push(`<line x1="${x(w).toFixed(1)}" y1="${cy - h / 3}" x2="${x(w).toFixed(1)}" y2="${cy + h / 3}" stroke="${b.color}"/>`);
    out.push(`<rect x="${x(b.q1).toFixed(1)}" y="${(cy - h / 2).toFixed(1)}" width="${Math.max(1, x(b.q3) - x(b.q1)).toFixed(1)}" height="${h.toFixed(1)}" fill="${b.color}" fill-opacity="0.25" stroke="${b.color}"/>`);
    out.push(`<line x1="${x(b.med).toFixed(1)}" y1="${(cy - h / 2).toFixed(1)}" x2="${x(b.med).toFixed(1)}" y2="${(cy + h / 2).toFixed(1)}" stroke="${b.color}" stroke-width="2.5"/>`);
    const mx = x(b.mean);
    out.push(`<path d="M${(mx - 4).toFixed(1)},${cy} L${mx.toFixed(1)},${cy - 4} L${(mx + 4).toFixed(1)},${cy} L${mx.toFixed(1)},${cy + 4} Z" fill="${b.color}"/>`);
    out.push(`<text x="${(x(b.p99) + 6).toFixed(1)}" y="${cy + 4}" fill="#555">${fmtUs(b.med)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/**
 * Server-rendered SVG of a tenant's health history: share of sampled users reachable per check, coloured
 * by verdict, with the pass threshold as a dashed line. Pure string building; every piece of text is
 * escaped, every number is a number, so the result is safe to embed as markup.
 */
import type { HealthPoint, Verdict } from '../contracts/messages';
import { escapeMarkup } from '../contracts/escape';

export const VERDICT_COLOURS: Record<Verdict, string> = {
  pass: '#1a7f37',
  degraded: '#bf8700',
  fail: '#cf222e',
  inconclusive: '#6e7781',
};

export const escapeXml = escapeMarkup;

const n = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : 0);

export interface ChartOptions {
  width?: number;
  height?: number;
  /** Pass threshold (0–1), drawn as a dashed line. */
  threshold?: number;
}

export function renderHealthChart(points: HealthPoint[], options: ChartOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 200;
  const pad = { left: 44, right: 12, top: 12, bottom: 28 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const y = (share: number) => pad.top + plotH * (1 - Math.max(0, Math.min(1, share)));
  const title = 'Health history: share of sampled users whose calendar was reachable';

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}" class="health-chart">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${n(y(tick))}" y2="${n(y(tick))}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${pad.left - 6}" y="${n(y(tick) + 4)}" font-size="11" text-anchor="end" fill="#57606a">${tick * 100}%</text>`,
    );
  }
  if (options.threshold !== undefined) {
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${n(y(options.threshold))}" y2="${n(y(options.threshold))}" stroke="#0969da" stroke-width="1" stroke-dasharray="4 3"/>`,
      `<text x="${width - pad.right}" y="${n(y(options.threshold) - 4)}" font-size="10" text-anchor="end" fill="#0969da">threshold ${n(options.threshold * 100)}%</text>`,
    );
  }
  if (points.length === 0) {
    parts.push(
      `<text x="${n(pad.left + plotW / 2)}" y="${n(pad.top + plotH / 2)}" font-size="13" text-anchor="middle" fill="#57606a">No health checks yet</text>`,
    );
  } else {
    const times = points.map((p) => Date.parse(p.at));
    const t0 = Math.min(...times);
    const t1 = Math.max(...times);
    const x = (t: number, i: number) =>
      pad.left +
      (t1 > t0
        ? ((t - t0) / (t1 - t0)) * plotW
        : points.length === 1
          ? plotW / 2
          : (i / (points.length - 1)) * plotW);
    const coords = points.map((p, i) => ({
      p,
      cx: n(x(times[i]!, i)),
      cy: n(y(p.sampled > 0 ? p.accessible / p.sampled : 0)),
    }));
    if (coords.length > 1) {
      parts.push(
        `<polyline fill="none" stroke="#57606a" stroke-width="1.5" points="${coords.map((c) => `${c.cx},${c.cy}`).join(' ')}"/>`,
      );
    }
    for (const { p, cx, cy } of coords) {
      const colour = VERDICT_COLOURS[p.verdict] ?? VERDICT_COLOURS.inconclusive;
      const label = `${p.at}: ${p.accessible} of ${p.sampled} reachable (${p.verdict}, consent ${p.consent})`;
      parts.push(
        `<circle cx="${cx}" cy="${cy}" r="4.5" fill="${colour}" data-verdict="${escapeXml(p.verdict)}"><title>${escapeXml(label)}</title></circle>`,
      );
    }
    const fmt = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');
    parts.push(
      `<text x="${pad.left}" y="${height - 8}" font-size="11" fill="#57606a">${escapeXml(fmt(t0))} UTC</text>`,
    );
    if (t1 > t0) {
      parts.push(
        `<text x="${width - pad.right}" y="${height - 8}" font-size="11" text-anchor="end" fill="#57606a">${escapeXml(fmt(t1))} UTC</text>`,
      );
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

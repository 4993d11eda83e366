/**
 * Escaping text for HTML and XML (SVG) that is built by hand rather than by nunjucks (which autoescapes): the
 * notification emails (activities/notify/render.ts) and the console's health chart (console/chart.ts). One copy,
 * so both escape the same five characters.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeMarkup(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

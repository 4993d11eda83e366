/**
 * Owner notification texts (pure): subject, plain text and HTML saying what failed, since when, what it
 * affects and the exact fix (consent URL, Exchange script, expiry date).
 */
import type { Notification, NotificationKind } from '../../contracts/activities';

export interface RenderedNotification {
  subject: string;
  text: string;
  html: string;
}

const SUBJECT_PREFIX: Record<NotificationKind, string> = {
  consentReminder: 'Action needed: approve Together’s Microsoft 365 access',
  consentExpired: 'Together’s Microsoft 365 consent request expired',
  onboarded: 'Together is connected to Microsoft 365',
  incidentOpened: 'Together’s Outlook calendar integration is failing',
  incidentReminder: 'Still failing: Together’s Outlook calendar integration',
  incidentResolved: 'Resolved: Together’s Outlook calendar integration works again',
  credentialExpiring: 'Together app credential expires soon',
  connectionBroken: 'Reconnect your Outlook calendar to Together',
  connectionsDigest: 'Together calendar connections: some users need to reconnect',
};

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function sinceText(since?: string): string | undefined {
  if (!since) return undefined;
  const d = new Date(since);
  return Number.isNaN(d.getTime()) ? since : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function renderNotification(n: Notification): RenderedNotification {
  const subject = `${SUBJECT_PREFIX[n.kind] ?? 'Together notification'} (tenant ${n.tenantId})`;
  const since = sinceText(n.since);
  const lines: string[] = [n.summary, ''];
  const html: string[] = [`<p><strong>${escapeHtml(n.summary)}</strong></p>`, '<table cellpadding="4">'];
  const row = (label: string, value: string) => {
    lines.push(`${label}: ${value}`);
    html.push(`<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`);
  };
  row('Tenant', n.tenantId);
  if (since) row(n.kind === 'incidentResolved' ? 'Failing since' : 'Since', since);
  if (n.impact) row('Affects', n.impact);
  for (const [k, v] of Object.entries(n.facts ?? {})) row(k, String(v));
  html.push('</table>');

  const fix = n.fix;
  if (
    fix &&
    (fix.consentUrl || fix.exchangeScopingScript || fix.credentialExpiresAt || fix.steps?.length || fix.reconnectUrl)
  ) {
    lines.push('', 'How to fix it:');
    html.push('<h3>How to fix it</h3>');
    if (fix.steps?.length) {
      fix.steps.forEach((s, i) => lines.push(`${i + 1}. ${s}`));
      html.push(`<ol>${fix.steps.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ol>`);
    }
    if (fix.reconnectUrl) {
      lines.push(`Reconnect: ${fix.reconnectUrl}`);
      html.push(`<p><a href="${escapeHtml(fix.reconnectUrl)}">Reconnect your calendar</a></p>`);
    }
    if (fix.consentUrl) {
      lines.push(
        `Admin consent link (a Global Administrator or Privileged Role Administrator must accept): ${fix.consentUrl}`,
      );
      html.push(
        `<p>Admin consent link (a Global Administrator or Privileged Role Administrator must accept):<br><a href="${escapeHtml(fix.consentUrl)}">${escapeHtml(fix.consentUrl)}</a></p>`,
      );
    }
    if (fix.exchangeScopingScript) {
      lines.push('Exchange Online PowerShell:', fix.exchangeScopingScript);
      html.push(`<p>Exchange Online PowerShell:</p><pre>${escapeHtml(fix.exchangeScopingScript)}</pre>`);
    }
    if (fix.credentialExpiresAt) {
      lines.push(`Credential expires: ${fix.credentialExpiresAt}`);
      html.push(`<p>Credential expires: <strong>${escapeHtml(fix.credentialExpiresAt)}</strong></p>`);
    }
  }
  lines.push('', '— Together Platform (automated message; replies are not read)');
  html.push('<p style="color:#666">— Together Platform (automated message; replies are not read)</p>');
  return {
    subject,
    text: lines.join('\n'),
    html: `<!doctype html><html><body>${html.join('\n')}</body></html>`,
  };
}

/**
 * Owner notification texts (pure): subject, plain text and HTML saying what failed, since when, what it
 * affects and the exact fix (consent URL, Exchange script, expiry date).
 */
import type { Notification, NotificationKind } from '../../contracts/activities';
import { escapeMarkup } from '../../contracts/escape';

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
  publisherCredentialRejected: 'Publisher action needed: Entra rejects Together’s app credential',
  connectionBroken: 'Reconnect your Outlook calendar to Together',
  connectionsDigest: 'Together calendar connections: some users need to reconnect',
};

/** Fact keys in words (emails are read by people, not by the code that made them). */
const FACT_LABELS: Record<string, string> = {
  reachable: 'Calendars reachable',
  sampled: 'Users sampled',
  verdict: 'Result of the test',
  consent: 'Admin consent',
  healthCheckEveryMinutes: 'Health check every (minutes)',
  state: 'State',
  unreachable: 'Unreachable accounts',
};
const factLabel = (k: string) =>
  FACT_LABELS[k] ?? (/^example(\d+)$/.test(k) ? `Unreachable account ${k.slice(7)}` : k);

export interface RenderOptions {
  /**
   * The console's base URL (TOGETHER_CONSOLE_URL). When set, consent links go through the console's one-time
   * state flow (/consent/start?tenant=…) — the raw adminconsent URL has no state and its callback is refused —
   * and every email links to the tenant's status page.
   */
  consoleUrl?: string;
}

export const escapeHtml = escapeMarkup;

/** An email lists at most this many unreachable accounts; the status page lists them all. */
export const UNREACHABLE_SHOWN = 10;

function sinceText(since?: string): string | undefined {
  if (!since) return undefined;
  const d = new Date(since);
  return Number.isNaN(d.getTime()) ? since : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function renderNotification(n: Notification, opts: RenderOptions = {}): RenderedNotification {
  const console = opts.consoleUrl?.replace(/\/+$/, '');
  const tenant = encodeURIComponent(n.tenantId);
  const who = n.tenantName ? `${n.tenantName}, tenant ${n.tenantId}` : `tenant ${n.tenantId}`;
  const subject = `${SUBJECT_PREFIX[n.kind] ?? 'Together notification'} (${who})`;
  const since = sinceText(n.since);
  const lines: string[] = [n.summary, ''];
  const html: string[] = [`<p><strong>${escapeHtml(n.summary)}</strong></p>`, '<table cellpadding="4">'];
  const row = (label: string, value: string) => {
    lines.push(`${label}: ${value}`);
    html.push(`<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`);
  };
  row('Tenant', n.tenantName ? `${n.tenantName} (${n.tenantId})` : n.tenantId);
  if (since) row(n.kind === 'incidentResolved' ? 'Failing since' : 'Since', since);
  if (n.impact) row('Affects', n.impact);
  for (const [k, v] of Object.entries(n.facts ?? {})) row(factLabel(k), String(v));
  if (console) row('Status page', `${console}/tenants/${tenant}`);
  html.push('</table>');
  if (n.nextStep) {
    lines.push('', `Next step: ${n.nextStep}`);
    html.push(`<p><strong>Next step:</strong> ${escapeHtml(n.nextStep)}</p>`);
  }
  const unreachable = n.unreachable;
  if (unreachable && unreachable.total > 0) {
    const shown = unreachable.accounts.slice(0, UNREACHABLE_SHOWN);
    const heading = `Unreachable accounts (${unreachable.total})`;
    lines.push('', `${heading}:`, ...shown.map((a) => `- ${a}`));
    html.push(
      `<h3>${escapeHtml(heading)}</h3>`,
      `<ul>${shown.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>`,
    );
    const rest = unreachable.total - shown.length;
    if (rest > 0) {
      const where = console ? `${console}/tenants/${tenant}` : 'the tenant’s status page in the console';
      lines.push(`…and ${rest} more: ${where}`);
      html.push(
        console
          ? `<p>…and ${rest} more: <a href="${escapeHtml(where)}">${escapeHtml(where)}</a></p>`
          : `<p>…and ${rest} more on ${escapeHtml(where)}.</p>`,
      );
    }
  }

  const fix = n.fix;
  if (
    fix &&
    (fix.consentUrl ||
      fix.exchangeScopingScript ||
      fix.credentialExpiresAt ||
      fix.steps?.length ||
      fix.reconnectUrl)
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
      const link = console ? `${console}/consent/start?tenant=${tenant}` : fix.consentUrl;
      lines.push(
        `Admin consent link (a Global Administrator or Privileged Role Administrator must accept): ${link}`,
      );
      html.push(
        `<p>Admin consent link (a Global Administrator or Privileged Role Administrator must accept):<br><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`,
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

/** Text renderings shared by the commands and the demo. */
import { describeInaccessible } from '../contracts/reason-labels';
import { PHASE_TEXT } from '../contracts/texts';
import { teamsLinksLine } from '../contracts/teams';
import { DEFAULT_CONSOLE_URL } from './tenant-input';
import type { OnboardingStatus, SampleTestReport } from '../contracts/messages';
import type { ScheduleInfo } from '../contracts/backend';
import type { TenantSummary, TenantView } from '../contracts/backend';
import type { TenantState } from '../contracts/tenant-state';
import { diffSinceAccepted, reportDiffLines, type ReportDiff } from '../contracts/report-diff';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const pct = (a: number, b: number) => (b > 0 ? `${Math.round((a / b) * 1000) / 10}%` : '—');

export function formatReport(report: SampleTestReport): string {
  const lines: string[] = [];
  lines.push(
    `${report.accessible} of ${report.sampled} sampled users reachable (${pct(report.accessible, report.sampled)}) — verdict: ${report.verdict.toUpperCase()}`,
  );
  if (report.verdictReason) lines.push(`  ${report.verdictReason}`);
  if (report.mode === 'individual')
    lines.push(
      `  Individual mode: connected users, each probed with their own delegated token (${report.tokenRequests ?? 0} token requests)`,
    );
  lines.push(
    `  ${report.graphRequests} Graph requests in ${(report.durationMs / 1000).toFixed(1)} s, started ${report.startedAt}`,
  );
  if (report.teams) lines.push(`  ${teamsLinksLine(report.teams)}`);
  if (report.inaccessible.length > 0) {
    lines.push('', `Unreachable accounts (${report.inaccessible.length}):`);
    const rows = [...report.inaccessible]
      .map((u) => {
        const text = describeInaccessible(u);
        return {
          who: u.user.userPrincipalName ?? u.user.displayName ?? u.user.id,
          label: text.label,
          code: u.code ?? '',
          fix: text.fix,
        };
      })
      .sort((a, b) => a.label.localeCompare(b.label) || a.who.localeCompare(b.who));
    const w1 = Math.min(60, Math.max(...rows.map((r) => r.who.length)));
    const w2 = Math.max(...rows.map((r) => r.label.length));
    for (const r of rows) lines.push(`  ${r.who.padEnd(w1)}  ${r.label.padEnd(w2)}  ${r.code}`);
    lines.push('', 'How to fix:');
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.label)) continue;
      seen.add(r.label);
      const n = rows.filter((x) => x.label === r.label).length;
      lines.push(`  - ${r.label} (${n}): ${r.fix}`);
    }
  } else if (report.sampled > 0) {
    lines.push('', 'Every sampled user’s calendar was reachable.');
  } else {
    lines.push('', 'No users were sampled, so nothing is known about calendar access yet.');
  }
  return lines.join('\n');
}

export function formatStatus(status: OnboardingStatus, consoleUrl = DEFAULT_CONSOLE_URL): string {
  const lines = [
    `Tenant ${status.tenantId}`,
    `  Onboarding: ${PHASE_TEXT[status.phase] ?? status.phase} (since ${status.phaseSince})`,
  ];
  if (status.consent) {
    lines.push(
      `  Consent:    ${status.consent.state}${status.consent.missingRoles.length ? ` (missing ${status.consent.missingRoles.join(', ')})` : ''}, checked ${status.consent.checkedAt}`,
    );
  }
  if (status.phase === 'awaitingConsent') {
    // The console's one-time-state flow, never the raw adminconsent URL (its callback would be refused).
    lines.push(
      `  Consent link: ${consoleUrl.replace(/\/$/, '')}/consent/start?tenant=${encodeURIComponent(status.tenantId)}`,
    );
    if (status.consentDeadline) lines.push(`  Waits until: ${status.consentDeadline}`);
  }
  if (status.phase === 'testing')
    lines.push(`  Progress:   ${status.progress.probed} of ${status.progress.total} users probed`);
  lines.push(
    `  Settings:   owner ${status.settings.owner}, sample ${status.settings.sampleSize}, threshold ${Math.round(status.settings.threshold * 100)}%, health check every ${status.settings.scheduleIntervalMinutes} min`,
  );
  if (status.scheduleId) lines.push(`  Schedule:   ${status.scheduleId}`);
  if (status.rejectedCallbacks) lines.push(`  Rejected consent callbacks: ${status.rejectedCallbacks}`);
  if (status.lastReport) lines.push('', formatReport(status.lastReport));
  return lines.join('\n');
}

/** The derived state, first: one line, then why and what next (contracts/tenant-state.ts). */
export function formatState(state: TenantState): string {
  const lines = [`  State:      ${state.title}${state.since ? ` (since ${state.since})` : ''}`];
  if (state.reason) lines.push(`  Why:        ${state.reason}`);
  if (state.next) lines.push(`  Next:       ${state.next}`);
  if (state.note) lines.push(`  Also:       ${state.note}`);
  return lines.join('\n');
}

/** What changed since the owner accepted the first report (contracts/report-diff.ts). */
export function formatReportDiff(diff: ReportDiff): string {
  return [
    `Since the accepted report (accepted ${diff.acceptedAt}):`,
    ...reportDiffLines(diff).map((l) => `  ${l}`),
  ].join('\n');
}

/** `status --tenant`: the state first, then the onboarding's details and report, then the health history. */
export function formatTenantView(view: TenantView, consoleUrl?: string): string {
  const name = view.displayName ? `${view.displayName} (${view.tenantId})` : view.tenantId;
  const lines = [`Tenant ${name}`, formatState(view.state)];
  if (consoleUrl) lines.push(`  Page:       ${consoleUrl.replace(/\/$/, '')}/tenants/${view.tenantId}`);
  if (view.status) {
    const details = formatStatus(view.status, consoleUrl).split('\n').slice(1); // without its own "Tenant …" line
    lines.push('', 'Onboarding details:', ...details);
    const diff = diffSinceAccepted(view.status.review, view.status.lastReport);
    if (diff) lines.push('', formatReportDiff(diff));
  }
  if (view.monitor?.history.length) {
    lines.push('', 'Health history (most recent last):');
    for (const p of view.monitor.history.slice(-5)) {
      lines.push(
        `  ${p.at}  ${p.status.padEnd(9)} ${p.accessible} of ${p.sampled} reachable, consent ${p.consent}`,
      );
    }
  }
  return lines.join('\n');
}

export function formatTenants(tenants: TenantSummary[]): string {
  if (tenants.length === 0)
    return 'No tenants yet. Start one with: together-o365 onboard --tenant <id> --owner <email>';
  const rows = tenants.map((t) => [
    t.displayName ? `${t.tenantId} (${t.displayName})` : t.tenantId,
    t.state ? t.state.title : t.phase ? (PHASE_TEXT[t.phase] ?? t.phase) : (t.workflowStatus ?? 'unknown'),
    t.sampled ? `${t.accessible} of ${t.sampled}` : '',
    t.state?.reason && (t.state.state === 'failing' || t.state.state === 'degraded') ? t.state.reason : '',
  ]);
  const header = ['TENANT', 'STATE', 'REACHABLE', 'WHY'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatSchedule(s: ScheduleInfo): string {
  const lines = [
    `Health schedule ${s.scheduleId} (tenant ${s.tenantId})`,
    `  State:     ${s.paused ? 'paused' : 'running'}${s.note ? ` — ${s.note}` : ''}`,
  ];
  if (s.intervalMinutes !== undefined) lines.push(`  Every:     ${s.intervalMinutes} minutes`);
  if (s.nextRunAt) lines.push(`  Next run:  ${s.nextRunAt}`);
  if (s.recentRuns.length) {
    lines.push('  Recent runs:');
    for (const r of s.recentRuns.slice(-5)) {
      const o = r.outcome;
      lines.push(
        `    ${r.at}  ${o ? `${o.verdict} — ${o.accessible} of ${o.sampled} reachable (${o.status})` : 'no result recorded yet'}`,
      );
    }
  }
  return lines.join('\n');
}

/** Exit code for `onboard --wait`'s final status: 1 when failing, expired, or its last verdict is `fail`. */
export function statusIsFailing(status: OnboardingStatus): boolean {
  return status.phase === 'failing' || status.phase === 'expired' || status.lastReport?.verdict === 'fail';
}

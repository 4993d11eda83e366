/**
 * Where `onboard` gets its tenant, app and settings: flags first, then `--from tenant.json` (the Pulumi
 * `workerConfig` stack output), then environment variables. Everything is validated with zod; a bad value
 * names its source (file and field, flag or variable) and the reason.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { DEFAULT_SETTINGS, type OnboardTenantInput, type TenantSettings } from '../contracts/messages';
import { UserInputError } from '../contracts/errors';
import { EMAIL, GUID } from '../contracts/validation';
import {
  httpUrl as url,
  INTEGRATIONS,
  workerConfigSchema,
  type Integration,
  type WorkerConfigFile,
} from '../contracts/worker-config';

export { workerConfigSchema, type WorkerConfigFile };

export class TenantInputError extends UserInputError {
  override name = 'TenantInputError';
}

const guid = z.string().regex(GUID, 'must be a GUID such as 00000000-0000-0000-0000-000000000000');
const email = z.string().regex(EMAIL, 'must be an email address');

export function readWorkerConfig(file: string): WorkerConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TenantInputError(
      `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}. ` +
        `Create it with 'pulumi stack output workerConfig --json > ${file}'.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TenantInputError(
      `${file} is not valid JSON (${(err as Error).message}). Create it with 'pulumi stack output workerConfig --json > ${file}'.`,
    );
  }
  // Accept the whole stack output too ({ workerConfig: {...} }).
  if (json && typeof json === 'object' && 'workerConfig' in json)
    json = (json as { workerConfig: unknown }).workerConfig;
  if (json && typeof json === 'object' && (json as { mode?: string }).mode === 'publisher') {
    throw new TenantInputError(
      `${file} is the publisher stack's workerConfig (mode: publisher). --from needs a customer tenant's workerConfig ` +
        `(the output of the tenant stack: tenantId, appId, integrationOwner, adminConsentUrl, …).`,
    );
  }
  const parsed = workerConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(top level)';
    throw new TenantInputError(`${file}: field '${field}' ${issue.message}.`);
  }
  return parsed.data;
}

export interface OnboardFlags {
  tenant?: string;
  owner?: string;
  appId?: string;
  redirectUri?: string;
  consoleUrl?: string;
  authorityHost?: string;
  from?: string;
  sampleSize?: number;
  threshold?: number;
  interval?: number;
  consentWaitDays?: number;
  credentialRef?: string;
  /** The tenant's display name (`--name`). */
  name?: string;
  /** `group`: Exchange RBAC for Applications scoping (needs scopeGroup and probeMailbox). */
  mailboxScope?: string;
  scopeGroup?: string;
  probeMailbox?: string;
  /** `individual`: each user connects their own calendar (docs/individual.md); default: the workerConfig's. */
  integration?: string;
}

export const DEFAULT_CONSOLE_URL = 'http://127.0.0.1:3000';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export function adminConsentUrl(opts: {
  authorityHost: string;
  tenantId: string;
  appId: string;
  redirectUri: string;
}): string {
  const u = new URL(
    `${opts.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(opts.tenantId)}/v2.0/adminconsent`,
  );
  u.searchParams.set('client_id', opts.appId);
  u.searchParams.set('scope', 'https://graph.microsoft.com/.default');
  u.searchParams.set('redirect_uri', opts.redirectUri);
  return u.toString();
}

function check<T>(schema: z.ZodType<T>, value: unknown, source: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new TenantInputError(`${source} '${String(value)}' ${r.error.issues[0]!.message}.`);
  return r.data;
}

/**
 * Builds the onboarding input; throws one TenantInputError naming every missing or bad value at once (what,
 * where from, how to fix), so a user fixes their command in one go. Values the user typed (--integration,
 * --mailbox-scope, …) are checked first and listed before the missing required ones.
 */
export function resolveOnboardInput(
  flags: OnboardFlags,
  env: NodeJS.ProcessEnv = process.env,
): OnboardTenantInput & { consoleUrl: string; mailboxScoped: boolean; integration: Integration } {
  // A file that cannot be read or parsed stops here: every other value may come from it.
  const file = flags.from ? readWorkerConfig(flags.from) : undefined;
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof TenantInputError)) throw err;
      problems.push(err.message);
      return undefined;
    }
  };
  const pick = (flag: string | undefined, fileValue: string | undefined, envName: string) =>
    flag !== undefined
      ? { value: flag, source: `--${flagName(envName)}` }
      : fileValue !== undefined
        ? { value: fileValue, source: `${flags.from}` }
        : env[envName]
          ? { value: env[envName], source: envName }
          : undefined;

  const integration = attempt(() => resolveIntegration(flags, file));
  const mailboxScope = attempt(() => resolveMailboxScope(flags, file));

  const tenant = pick(flags.tenant, file?.tenantId, 'TOGETHER_TENANT_ID');
  if (!tenant)
    problems.push(
      'Which tenant? Pass --tenant <tenant id>, --from tenant.json (Pulumi workerConfig output), or set TOGETHER_TENANT_ID.',
    );
  const tenantId = tenant && attempt(() => check(guid, tenant.value, tenant.source));
  const owner = pick(flags.owner, file?.integrationOwner, 'TOGETHER_OWNER_EMAIL');
  if (!owner)
    problems.push(
      'Who hears about failures? Pass --owner <email>, --from tenant.json, or set TOGETHER_OWNER_EMAIL.',
    );
  const ownerEmail = owner && attempt(() => check(email, owner.value, owner.source));
  const consoleUrl = attempt(() =>
    check(
      url,
      flags.consoleUrl ?? env.TOGETHER_CONSOLE_URL ?? DEFAULT_CONSOLE_URL,
      flags.consoleUrl ? '--console-url' : 'TOGETHER_CONSOLE_URL',
    ).replace(/\/+$/, ''),
  );

  let consentUrl: string | undefined;
  if (
    file &&
    flags.appId === undefined &&
    flags.redirectUri === undefined &&
    flags.authorityHost === undefined
  ) {
    const u = new URL(file.adminConsentUrl);
    u.searchParams.delete('state');
    consentUrl = u.toString();
  } else {
    const app = pick(flags.appId, file?.appId, 'TOGETHER_APP_ID');
    if (!app)
      problems.push(
        "Which application? Pass --app-id <Together app's client id>, --from tenant.json, or set TOGETHER_APP_ID.",
      );
    const appId = app && attempt(() => check(guid, app.value, app.source));
    const redirect = pick(flags.redirectUri, file?.redirectUri, 'TOGETHER_REDIRECT_URI');
    // The default redirect URI derives from the console URL: nothing more to say when that one is bad.
    const redirectUri =
      redirect || consoleUrl !== undefined
        ? attempt(() =>
            check(
              url,
              redirect?.value ?? `${consoleUrl}/consent/callback`,
              redirect?.source ?? '--redirect-uri',
            ),
          )
        : undefined;
    const authorityHost = attempt(() => {
      const authority = flags.authorityHost ?? env.TOGETHER_AUTHORITY_HOST ?? DEFAULT_AUTHORITY_HOST;
      const authoritySource = flags.authorityHost ? '--authority-host' : 'TOGETHER_AUTHORITY_HOST';
      const checked = check(url, authority, authoritySource);
      // Entra's authority is https only (the emulator serves https too): an http authority would send admins
      // to a consent page over clear text.
      if (!checked.startsWith('https:')) {
        throw new TenantInputError(
          `${authoritySource} '${checked}' must be an https URL such as ${DEFAULT_AUTHORITY_HOST}.`,
        );
      }
      return checked;
    });
    if (tenantId && appId && redirectUri && authorityHost)
      consentUrl = adminConsentUrl({ authorityHost, tenantId, appId, redirectUri });
  }

  if (problems.length > 0) {
    throw new TenantInputError(
      problems.length === 1
        ? problems[0]!
        : `${problems.length} problems with the onboarding input:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  const settings: TenantSettings = {
    ...DEFAULT_SETTINGS,
    owner: ownerEmail!,
    ...(flags.sampleSize !== undefined ? { sampleSize: flags.sampleSize } : {}),
    ...(flags.threshold !== undefined ? { threshold: flags.threshold } : {}),
    ...(flags.interval !== undefined ? { scheduleIntervalMinutes: flags.interval } : {}),
  };
  return {
    tenant: { tenantId: tenantId!, ...(flags.credentialRef ? { credentialRef: flags.credentialRef } : {}) },
    ...(mailboxScope ? { mailboxScope } : {}),
    consentUrl: consentUrl!,
    settings,
    ...((flags.name ?? file?.displayName) ? { displayName: (flags.name ?? file!.displayName)!.trim() } : {}),
    ...(flags.consentWaitDays !== undefined ? { consentWaitDays: flags.consentWaitDays } : {}),
    consoleUrl: consoleUrl!,
    // The tenant stack scoped mailboxes with Exchange RBAC and granted consent itself; the `/.default`
    // consent link would grant every permission the app requests tenant-wide and undo that scoping.
    mailboxScoped: mailboxScope !== undefined,
    integration: integration!,
  };
}

/** The integration mode: the flag, else the workerConfig's, else domainWide. A typed value must be a known one. */
function resolveIntegration(flags: OnboardFlags, file: WorkerConfigFile | undefined): Integration {
  const integration = (flags.integration ?? file?.integration ?? 'domainWide') as Integration;
  if (!INTEGRATIONS.includes(integration)) {
    throw new TenantInputError(
      `--integration '${integration}' must be one of ${INTEGRATIONS.join(' | ')} (individual: each user connects their own calendar).`,
    );
  }
  return integration;
}

/**
 * The mailbox scope from flags (--mailbox-scope group --scope-group --probe-mailbox) or the workerConfig
 * (mailboxScope: group, scopeGroup). A scoped onboarding needs an in-scope mailbox to verify consent with:
 * the Entra token of a scoped app carries no Calendars role.
 */
function resolveMailboxScope(
  flags: OnboardFlags,
  file: WorkerConfigFile | undefined,
): OnboardTenantInput['mailboxScope'] {
  const kind = flags.mailboxScope ?? file?.mailboxScope;
  if (kind === undefined || kind === 'tenant') {
    if (flags.scopeGroup || flags.probeMailbox) {
      throw new TenantInputError(
        '--scope-group and --probe-mailbox apply only to a scoped tenant: add --mailbox-scope group (or use a workerConfig with mailboxScope: group).',
      );
    }
    return undefined;
  }
  if (kind !== 'group') {
    throw new TenantInputError(`--mailbox-scope '${kind}' must be 'tenant' or 'group'.`);
  }
  const group = flags.scopeGroup ?? file?.scopeGroup;
  if (!group || !(GUID.test(group) || EMAIL.test(group))) {
    throw new TenantInputError(
      group
        ? `--scope-group '${group}' must be the group's object id (a GUID) or its SMTP address.`
        : "A scoped tenant needs its group: pass --scope-group <group object id or SMTP address> (the workerConfig's scopeGroup).",
    );
  }
  const probe = flags.probeMailbox;
  if (!probe) {
    throw new TenantInputError(
      'A scoped tenant needs an in-scope mailbox to verify consent with: pass --probe-mailbox <UPN of a member of the scope group>.',
    );
  }
  if (!(GUID.test(probe) || EMAIL.test(probe))) {
    throw new TenantInputError(
      `--probe-mailbox '${probe}' must be a user principal name (user@domain) or an object id.`,
    );
  }
  return { kind: 'group', group, probeMailbox: probe };
}

function flagName(envName: string): string {
  return (
    {
      TOGETHER_TENANT_ID: 'tenant',
      TOGETHER_OWNER_EMAIL: 'owner',
      TOGETHER_APP_ID: 'app-id',
      TOGETHER_REDIRECT_URI: 'redirect-uri',
    }[envName] ?? envName
  );
}

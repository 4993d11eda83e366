/**
 * Turns the error parameters of Entra's admin-consent redirect (`error`, `error_description`) into a page
 * that tells the admin what happened and what to do. AADSTS codes come first (they are the precise part of
 * `error_description`); the OAuth `error` value is the fallback.
 */

export interface ConsentErrorAdvice {
  title: string;
  /** What happened, in plain words. */
  explanation: string;
  /** What to do next, as steps. */
  steps: string[];
  /** AADSTS code found in the description, if any. */
  code?: string;
  /** True when trying again (by the same or another admin) can succeed. */
  retry: boolean;
}

const PRIVILEGED =
  'Only a Global Administrator or a Privileged Role Administrator can grant application permissions for Microsoft Graph ' +
  '(Cloud Application Administrator and Application Administrator cannot grant Graph app roles).';

const BY_CODE: Record<string, Omit<ConsentErrorAdvice, 'code'>> = {
  AADSTS90094: {
    title: 'An administrator must grant these permissions',
    explanation: `The account that signed in is not allowed to grant tenant-wide permissions. ${PRIVILEGED}`,
    steps: [
      'Ask a Global Administrator or Privileged Role Administrator of your organisation to open the consent link.',
      'Or, with Entra ID P1/P2, activate the Privileged Role Administrator role in PIM and try again.',
    ],
    retry: true,
  },
  AADSTS65001: {
    title: 'Consent has not been granted',
    explanation: `The application has not been granted the permissions it needs in your tenant. ${PRIVILEGED}`,
    steps: [
      'Open the consent link again signed in as a Global Administrator or Privileged Role Administrator, and choose Accept.',
    ],
    retry: true,
  },
  AADSTS65004: {
    title: 'Consent was declined',
    explanation:
      'The administrator declined to grant the permissions, so Together cannot read calendars yet.',
    steps: [
      'If this was a mistake, open the consent link again and choose Accept.',
      'The permissions requested are Calendars.ReadWrite and User.ReadBasic.All (application permissions).',
    ],
    retry: true,
  },
  AADSTS50011: {
    title: 'The redirect address is not registered',
    explanation:
      'The consent link names a reply address that is not registered on the Together application, so Microsoft refused it.',
    steps: [
      'Tell the Together integration team: the console address must match a redirect URI of the app registration.',
    ],
    retry: false,
  },
  AADSTS700016: {
    title: 'The application was not found',
    explanation:
      'Microsoft could not find the Together application for this directory (wrong app id or tenant).',
    steps: [
      'Check that the consent link was generated for the right tenant and application, then start again.',
    ],
    retry: false,
  },
  AADSTS50020: {
    title: 'This account is not from the tenant being connected',
    explanation: 'The account that signed in belongs to another directory.',
    steps: [
      'Sign in with an administrator account of the tenant you are connecting, then open the consent link again.',
    ],
    retry: true,
  },
  AADSTS50105: {
    title: 'The account is not assigned to this application',
    explanation:
      'Sign-in to the application is limited to assigned users, and this account is not one of them.',
    steps: [
      'Use a Global Administrator or Privileged Role Administrator account, or assign this account first.',
    ],
    retry: true,
  },
};

const BY_ERROR: Record<string, Omit<ConsentErrorAdvice, 'code'>> = {
  access_denied: {
    title: 'Consent was cancelled',
    explanation: 'The request was cancelled or denied, so no permissions were granted.',
    steps: ['To connect your tenant, open the consent link again and choose Accept.', PRIVILEGED],
    retry: true,
  },
  consent_required: BY_CODE.AADSTS65004!,
  permission_denied: {
    title: 'Consent was cancelled',
    explanation: 'The administrator cancelled the request, so no permissions were granted.',
    steps: ['To connect your tenant, open the consent link again and choose Accept.'],
    retry: true,
  },
  temporarily_unavailable: {
    title: 'Microsoft Entra is temporarily unavailable',
    explanation: 'The sign-in service could not complete the request right now.',
    steps: ['Wait a few minutes and open the consent link again.'],
    retry: true,
  },
  server_error: {
    title: 'Microsoft Entra reported an error',
    explanation: 'The sign-in service hit an internal error.',
    steps: ['Wait a few minutes and open the consent link again.'],
    retry: true,
  },
};

export function adviseConsentError(error: string, description?: string): ConsentErrorAdvice {
  const code = /AADSTS\d+/.exec(description ?? '')?.[0];
  const byCode = code ? BY_CODE[code] : undefined;
  if (byCode) return { ...byCode, code };
  const byError = BY_ERROR[error];
  if (byError) return { ...byError, code };
  return {
    title: 'Consent did not complete',
    explanation: `Microsoft Entra returned "${error}".`,
    steps: [
      'Open the consent link again signed in as a Global Administrator or Privileged Role Administrator.',
      'If it fails again, send the error code and description below to the Together integration team.',
    ],
    code,
    retry: true,
  };
}

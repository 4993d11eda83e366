/**
 * The one copy of the input rules every folder checks: GUIDs (tenant, app, group ids), email addresses, and
 * the shape of a one-time consent state. Pure (no I/O), so workflows, the CLI, the console, activities and
 * the worker can all use it.
 */

/** A GUID as Entra prints it (tenant ids, app ids, object ids), any case. */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An email address, deliberately loose (something@domain.tld, no spaces); `<` and `>` are refused so an
 * address can never smuggle a display-name or header fragment into a notification.
 */
export const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export const isGuid = (value: unknown): value is string => typeof value === 'string' && GUID.test(value);
export const isEmail = (value: unknown): value is string => typeof value === 'string' && EMAIL.test(value);

/** An Entra tenant id: a GUID (domain names are not accepted: ids are what the redirect and tokens carry). */
export const isTenantId = isGuid;

/** Bytes of randomness in a consent state; it travels as base64url (43 characters). */
export const CONSENT_STATE_BYTES = 32;
export const CONSENT_STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** A consent state's hash as it travels in signals and history: hex SHA-256 (see contracts/hash.ts). */
export const CONSENT_STATE_HASH_PATTERN = /^[0-9a-f]{64}$/;

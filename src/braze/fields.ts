/**
 * Braze's standard profile fields: reserved attribute names with their own meaning and rules
 * (lower case, case-sensitive). A custom attribute must not use one of these names by accident.
 */
export const BRAZE_STANDARD_FIELDS = [
  'alias_name',
  'alias_label',
  'braze_id',
  'country',
  'current_location',
  'date_of_first_session',
  'date_of_last_session',
  'dob',
  'email',
  'email_subscribe',
  'push_subscribe',
  'email_open_tracking_disabled',
  'email_click_tracking_disabled',
  'external_id',
  'facebook',
  'first_name',
  'last_name',
  'gender',
  'home_city',
  'language',
  'marked_email_as_spam_at',
  'phone',
  'push_tokens',
  'subscription_groups',
  'time_zone',
  'twitter',
] as const;

/** A name from {@link BRAZE_STANDARD_FIELDS}. */
export type BrazeStandardField = (typeof BRAZE_STANDARD_FIELDS)[number];

/**
 * Standard fields a mapping may not write even on purpose: they identify the profile, and the
 * connector sets `external_id` itself from `userIdField`.
 */
export const BRAZE_IDENTIFIER_FIELDS: ReadonlySet<string> = new Set(['external_id', 'braze_id', 'alias_name', 'alias_label', 'user_alias']);

/** Keys of an attributes object that steer Braze's processing rather than name an attribute. */
export const BRAZE_CONTROL_KEYS: ReadonlySet<string> = new Set(['_update_existing_only', '_merge_objects', 'push_token_import', 'user_alias']);

const STANDARD_LOWER = new Set<string>(BRAZE_STANDARD_FIELDS);

/** Whether `name` is, or differs only in case from, a Braze standard profile field. */
export function isStandardFieldName(name: string): boolean {
  return STANDARD_LOWER.has(name.toLowerCase());
}

/** Whether `name` is exactly a Braze standard profile field. */
export function isBrazeStandardField(name: string): name is BrazeStandardField {
  return STANDARD_LOWER.has(name);
}

/**
 * Why `name` cannot be a custom attribute or event property name, or undefined when it can.
 * Braze documents the `$` and space rules for event properties and nested keys; applying them to
 * top-level attribute names keeps every name usable in segment filters and Liquid.
 */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (name.length > 255 && [...name].length > 255) return `a name of ${[...name].length} characters (at most 255)`;
  if (name.startsWith('$')) return 'a name starting with "$" (reserved for Braze operators)';
  if (/\s/.test(name)) return 'a name containing whitespace';
  return undefined;
}

import type { FieldMapping } from '../../core/mapping-kit.js';
import type { SegmentInboundAction, SegmentInboundMapping } from './schemas.js';

/** Default triggers, as the Antavo (Actions) destination subscribes its two actions. */
export const DEFAULT_TRIGGERS: Readonly<Record<SegmentInboundAction, string>> = {
  loyaltyEvent: 'type = "track"',
  profileUpdate: 'type = "identify"',
};

/**
 * Antavo profile attribute → Segment traits that fill it, snake_case first (what the Antavo
 * destination reads) and then the camelCase spelling Segment also allows for reserved traits.
 */
export const PROFILE_TRAITS: Readonly<Record<string, readonly string[]>> = {
  first_name: ['first_name', 'firstName'],
  last_name: ['last_name', 'lastName'],
  email: ['email'],
  birth_date: ['birthday'],
  gender: ['gender'],
  language: ['language'],
  phone: ['phone'],
  mobile_phone: ['mobile_phone', 'mobilePhone'],
};

/** The first present trait of `traits`, as a mapping: `@if exists traits.a then traits.a else traits.b …`. */
function firstTrait(traits: readonly string[]): FieldMapping {
  const [head, ...rest] = traits;
  const path: FieldMapping = { '@path': `$.traits.${head}` };
  if (rest.length === 0) return path;
  return { '@if': { exists: path, then: path, else: firstTrait(rest) } };
}

/**
 * Default fields per action. `loyaltyEvent`: `customer ← $.userId`, `action ← $.event`,
 * `data ← $.properties`, `timestamp ← $.timestamp` (the Antavo destination leaves `action` and
 * `data` for the user to map; these defaults make a plain `track` usable as it is). `profileUpdate`:
 * `customer ← $.userId` and `data` ← first_name, last_name, email, birth_date (from `birthday`),
 * gender, language, phone and mobile_phone from the traits, accepting camelCase spellings.
 */
export function defaultSegmentInboundFields(action: SegmentInboundAction): Record<string, FieldMapping> {
  if (action === 'loyaltyEvent') {
    return {
      customer: { '@path': '$.userId' },
      action: { '@path': '$.event' },
      data: { '@path': '$.properties' },
      timestamp: { '@path': '$.timestamp' },
    };
  }
  const data: Record<string, FieldMapping> = {};
  for (const [attribute, traits] of Object.entries(PROFILE_TRAITS)) data[attribute] = firstTrait(traits);
  return { customer: { '@path': '$.userId' }, data };
}

/**
 * The default mappings, mirroring the Antavo (Actions) destination's two actions: `Loyalty events`
 * (`type = "track"`) and `Profile updates` (`type = "identify"`), with {@link defaultSegmentInboundFields}.
 */
export function defaultSegmentInboundMappings(): SegmentInboundMapping[] {
  return [
    { name: 'Loyalty events', action: 'loyaltyEvent', trigger: DEFAULT_TRIGGERS.loyaltyEvent, fields: defaultSegmentInboundFields('loyaltyEvent'), enabled: true },
    { name: 'Profile updates', action: 'profileUpdate', trigger: DEFAULT_TRIGGERS.profileUpdate, fields: defaultSegmentInboundFields('profileUpdate'), enabled: true },
  ];
}

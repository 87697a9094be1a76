// Reference check, run by `tsc --noEmit` (npm test): our /users/track bodies must stay assignable
// to the community client's `UsersTrackObject` (braze-api, a devDependency).
import type { UsersTrackObject } from 'braze-api';
import type { BrazeAttributesObject, BrazeEventObject, BrazePurchaseObject, BrazeTrackRequestBody } from '../../src/braze/mapping.js';

type Assignable<From, To> = [From] extends [To] ? true : false;
const expectTrue = <T extends true>(): T => true as T;

expectTrue<Assignable<BrazeTrackRequestBody, UsersTrackObject>>();
expectTrue<Assignable<{ attributes: BrazeAttributesObject[] }, UsersTrackObject>>();
expectTrue<Assignable<{ events: BrazeEventObject[] }, UsersTrackObject>>();
expectTrue<Assignable<{ purchases: BrazePurchaseObject[] }, UsersTrackObject>>();

// A concrete body as the connector builds it, checked against their type.
export const sample: UsersTrackObject = {
  attributes: [{ external_id: 'cus_1', loyalty_tier: 'gold', loyalty_points: 1200, badges: ['a'], joined: { at: { $time: '2026-01-01T00:00:00.000Z' } } }],
  events: [{ external_id: 'cus_1', app_id: 'app', name: 'point_add', time: '2026-01-01T00:00:00.000Z', properties: { points: 5 } }],
  purchases: [{ external_id: 'cus_1', product_id: 'sku-1', currency: 'EUR', price: 19.95, quantity: 2, time: '2026-01-01T00:00:00.000Z' }],
} satisfies BrazeTrackRequestBody;

// The check bites: shapes that drift from theirs do not compile.
type PurchaseWithoutTime = Omit<BrazePurchaseObject, 'time'>;
// @ts-expect-error braze-api requires `time` on a purchase
expectTrue<Assignable<{ purchases: PurchaseWithoutTime[] }, UsersTrackObject>>();
type EventWithNumericName = Omit<BrazeEventObject, 'name'> & { name: number };
// @ts-expect-error braze-api types an event name as a string
expectTrue<Assignable<{ events: EventWithNumericName[] }, UsersTrackObject>>();

// A small loyalty programme the demo pushes through every connector.
import type { Customer, LoyaltyEvent } from 'loyalty-cdp';

export const customers: Customer[] = [
  { id: 'cus_1001', attributes: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', tier: 'gold', points: 12_500, external_id: 'crm-ada' } },
  { id: 'cus_1002', attributes: { email: 'alan@example.com', first_name: 'Alan', last_name: 'Turing', tier: 'silver', points: 4_200, external_id: 'crm-alan' } },
  { id: 'cus_1003', attributes: { email: 'grace@example.com', first_name: 'Grace', last_name: 'Hopper', tier: 'bronze', points: 800, external_id: 'crm-grace' } },
];

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 9, minutes)).toISOString();

export const events: LoyaltyEvent[] = [
  { id: 'evt_1', customerId: 'cus_1001', action: 'point_add', data: { points: 500, reason: 'birthday bonus' }, timestamp: at(0) },
  { id: 'evt_2', customerId: 'cus_1002', action: 'checkout', data: { transaction_id: 'tx-9001', total: 59.9, currency: 'EUR', items: [{ product_id: 'sku-1', product_name: 'Coffee beans', price: 19.95, quantity: 2 }, { product_id: 'sku-2', product_name: 'Mug', price: 20, quantity: 1 }] }, timestamp: at(5) },
  { id: 'evt_3', customerId: 'cus_1001', action: 'reward_claim', data: { reward_id: 'rwd-free-coffee', points: -1500 }, timestamp: at(10) },
  { id: 'evt_4', customerId: 'cus_1003', action: 'point_add', data: { points: 200, reason: 'review' }, timestamp: at(15) },
  { id: 'evt_5', customerId: 'cus_1003', action: 'opt_in', data: {}, timestamp: at(16) },
];

/** Profile changes: the customer after the change and the fields that changed. */
export const profileChanges: Array<{ customer: Customer; changed: string[] }> = [
  { customer: { ...customers[0]!, attributes: { ...customers[0]!.attributes, tier: 'platinum', points: 11_500 } }, changed: ['tier', 'points'] },
  { customer: { ...customers[1]!, attributes: { ...customers[1]!.attributes, points: 4_260 } }, changed: ['points'] },
  { customer: { ...customers[1]!, attributes: { ...customers[1]!.attributes, points: 4_300 } }, changed: ['points'] },
];

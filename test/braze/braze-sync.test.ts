import { describe, expect, it } from 'vitest';
import { BrazeAttributeOperation } from '../../src/braze/values.js';
import { DisconnectedError, ValidationError } from '../../src/core/errors.js';
import { brazeHarness, loyaltyEvent, member } from './helpers.js';

describe('BrazeSync.updateProfile', () => {
  it('sends ALL mapped fields in one attributes object when any mapped field changed', async () => {
    const { sync, bodies, tracks } = brazeHarness();
    const result = await sync.updateProfile(member('cus_1', { points: 250, email: 'not-mapped@example.com' }), ['points']);
    expect(result.status).toBe('queued');
    expect(await sync.flush()).toMatchObject({ delivered: 1, requests: 1 });
    expect(bodies()).toEqual([{ attributes: [{ external_id: 'cus_1', loyalty_tier: 'gold', loyalty_points: 250, first_name: 'Ada' }] }]);
    expect(tracks()[0]!.headers.authorization).toMatch(/^Bearer /);
    expect(tracks()[0]!.method).toBe('POST');
  });

  it('skips a change of unmapped fields, and a member with no mapped value', async () => {
    const { sync, vendors } = brazeHarness();
    expect(await sync.updateProfile(member('cus_1'), ['email'])).toMatchObject({ status: 'skipped', reason: 'no mapped field changed' });
    expect(await sync.updateProfile({ id: 'cus_2', attributes: {} })).toMatchObject({ status: 'skipped' });
    await sync.flush();
    expect(vendors.count).toBe(0);
  });

  it('with onlyChanged sends just the changed mapped fields', async () => {
    const { sync, bodies } = brazeHarness({ onlyChanged: true });
    await sync.updateProfile(member('cus_1', { points: 300 }), ['points', 'email']);
    await sync.flush();
    expect(bodies()).toEqual([{ attributes: [{ external_id: 'cus_1', loyalty_points: 300 }] }]);
  });

  it('with onlyChanged keeps the latest value of each field through a burst, losing no field', async () => {
    const { sync, bodies } = brazeHarness({ onlyChanged: true });
    await sync.updateProfile(member('cus_1', { tier: 'silver' }), ['tier']);
    await sync.updateProfile(member('cus_1', { tier: 'silver', points: 1 }), ['points']);
    await sync.updateProfile(member('cus_1', { tier: 'silver', points: 2 }), ['points']);
    await sync.flush();
    expect(bodies()[0]!.attributes).toEqual([
      { external_id: 'cus_1', loyalty_tier: 'silver' },
      { external_id: 'cus_1', loyalty_points: 2 },
    ]);
  });

  it('coalesces a burst of changes of one member into one snapshot with the newest values', async () => {
    const { sync, bodies, clock } = brazeHarness();
    for (let points = 1; points <= 5; points++) {
      await sync.updateProfile(member('cus_1', { points }), ['points']);
      clock.advance(1);
    }
    await sync.updateProfile(member('cus_2'), ['tier']);
    expect(await sync.flush()).toMatchObject({ delivered: 2, requests: 1 });
    expect(bodies()[0]!.attributes).toEqual([
      { external_id: 'cus_1', loyalty_tier: 'gold', loyalty_points: 5, first_name: 'Ada' },
      { external_id: 'cus_2', loyalty_tier: 'gold', loyalty_points: 100, first_name: 'Ada' },
    ]);
  });

  it('never lets a retried snapshot overwrite a newer one taken while it was in flight', async () => {
    const { sync, vendors, bodies, clock } = brazeHarness();
    vendors.script('/users/track', { status: 500, body: { message: 'boom' }, delayMs: 30 });
    await sync.updateProfile(member('cus_1', { points: 1 }), ['points']);
    const inFlight = sync.flush();
    await new Promise((resolve) => setTimeout(resolve, 5));
    clock.advance(1);
    await sync.updateProfile(member('cus_1', { points: 2 }), ['points']);
    expect(await inFlight).toMatchObject({ retryScheduled: 1 });
    clock.advance(60_000);
    await sync.flush();
    await sync.flush();
    const sent = bodies().map((b) => b.attributes?.[0]?.loyalty_points);
    expect(sent).toEqual([1, 2]);
    expect(await sync.pending()).toHaveLength(0);
    expect(await sync.deadLetters()).toHaveLength(0);
  });

  it('a retry scheduled before a newer snapshot is superseded by it', async () => {
    const { sync, vendors, bodies, clock } = brazeHarness();
    vendors.script('/users/track', { status: 503 });
    await sync.updateProfile(member('cus_1', { points: 1 }), ['points']);
    await sync.flush();
    clock.advance(1);
    await sync.updateProfile(member('cus_1', { points: 2 }), ['points']);
    clock.advance(60_000);
    await sync.flush();
    expect(bodies().map((b) => b.attributes?.[0]?.loyalty_points)).toEqual([1, 2]);
    expect(await sync.pending()).toHaveLength(0);
  });

  it('refuses a bad mapped value with a typed error and keeps what was accepted', async () => {
    const { sync, outbound } = brazeHarness();
    await sync.updateProfile(member('cus_1'));
    await expect(sync.updateProfile(member('cus_2', { tier: 't'.repeat(300) }))).rejects.toThrow(ValidationError);
    expect(await sync.flush()).toMatchObject({ delivered: 1 });
    expect(outbound().filter((r) => r.outcome === 'rejected')).toHaveLength(1);
  });

  it('puts every value type on the wire: nested dates as $time, arrays, null to unset, operators', async () => {
    const { sync, tracks } = brazeHarness({
      fieldMapping: { badges: 'loyalty_badges', status: 'loyalty_status', history: 'loyalty_history', vouchers: 'loyalty_vouchers', expires: 'loyalty_points_expire_at', vip: 'loyalty_vip', tier: 'loyalty_tier' },
    });
    const at = new Date(Date.UTC(2026, 2, 1));
    await sync.updateProfile({
      id: 'cus_1',
      attributes: { badges: ['early-bird'], status: { level: 'gold', since: at }, history: null, vouchers: [{ code: 'A', valid_until: at }], expires: at, vip: true, tier: undefined },
    }, ['history', 'badges']);
    await sync.syncAttributes(member('cus_1'), { lifetime_points: BrazeAttributeOperation.increment(10), tags: BrazeAttributeOperation.add(['x']) });
    await sync.flush();
    expect(JSON.parse(tracks()[0]!.body)).toEqual({
      attributes: [
        {
          external_id: 'cus_1',
          loyalty_badges: ['early-bird'],
          loyalty_status: { level: 'gold', since: { $time: '2026-03-01T00:00:00.000Z' } },
          loyalty_history: null,
          loyalty_vouchers: [{ code: 'A', valid_until: { $time: '2026-03-01T00:00:00.000Z' } }],
          loyalty_points_expire_at: '2026-03-01T00:00:00.000Z',
          loyalty_vip: true,
        },
        { external_id: 'cus_1', lifetime_points: { inc: 10 }, tags: { add: ['x'] } },
      ],
    });
  });
});

describe('BrazeSync.trackEvent', () => {
  it('sends custom events with app_id, and purchases per item for purchase actions', async () => {
    const { sync, bodies } = brazeHarness({ appId: 'app-42', purchases: { actions: ['checkout'] } });
    await sync.trackEvent(member('cus_1'), loyaltyEvent('evt_1', 'cus_1', 'point_add', { points: 5 }));
    const checkout = await sync.trackEvent(
      member('cus_1'),
      loyaltyEvent('evt_2', 'cus_1', 'checkout', { currency: 'EUR', items: [{ product_id: 'sku-1', price: 19.95, quantity: 2 }, { product_id: 'sku-2', price: 20 }] }),
    );
    expect(checkout.messageIds).toHaveLength(2);
    await sync.flush();
    expect(bodies()).toEqual([
      {
        events: [{ external_id: 'cus_1', app_id: 'app-42', name: 'point_add', time: '2026-01-01T10:00:00.000Z', properties: { points: 5 } }],
        purchases: [
          { external_id: 'cus_1', app_id: 'app-42', product_id: 'sku-1', currency: 'EUR', price: 19.95, quantity: 2, time: '2026-01-01T10:00:00.000Z' },
          { external_id: 'cus_1', app_id: 'app-42', product_id: 'sku-2', currency: 'EUR', price: 20, quantity: 1, time: '2026-01-01T10:00:00.000Z' },
        ],
      },
    ]);
  });

  it('sends only the selected actions, both event and purchases when a purchase action is listed', async () => {
    const { sync, bodies } = brazeHarness({ events: ['checkout', 'reward_claim'], purchases: { actions: ['checkout'] } });
    expect(await sync.trackEvent(member('c'), loyaltyEvent('e1', 'c', 'point_add'))).toMatchObject({ status: 'skipped' });
    await sync.trackEvent(member('c'), loyaltyEvent('e2', 'c', 'checkout', { currency: 'EUR', items: [{ product_id: 'p', price: 1 }] }));
    await sync.flush();
    expect(bodies()[0]!.events?.map((e) => e.name)).toEqual(['checkout']);
    expect(bodies()[0]!.purchases).toHaveLength(1);
  });

  it('tracking the same event twice while held is a duplicate, not a second Braze event', async () => {
    const { sync, bodies } = brazeHarness();
    const event = loyaltyEvent('evt_1', 'c');
    expect((await sync.trackEvent(member('c'), event)).status).toBe('queued');
    expect((await sync.trackEvent(member('c'), event)).status).toBe('duplicate');
    await sync.flush();
    expect(bodies()[0]!.events).toHaveLength(1);
  });

  it('refuses reserved property names with a typed error and a rejected log record', async () => {
    const { sync, outbound } = brazeHarness();
    await expect(sync.trackEvent(member('c'), loyaltyEvent('e', 'c', 'point_add', { event_name: 'x' }))).rejects.toMatchObject({ path: 'event.data.event_name' });
    expect(outbound()).toMatchObject([{ outcome: 'rejected', identifier: 'e', eventType: 'event' }]);
  });

  it('refuses calls after close()', async () => {
    const { sync } = brazeHarness();
    await sync.close();
    await expect(sync.trackEvent(member('c'), loyaltyEvent('e', 'c'))).rejects.toThrow(DisconnectedError);
  });
});

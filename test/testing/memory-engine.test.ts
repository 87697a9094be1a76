import { describe, expect, it } from 'vitest';
import { EngineRefusal } from '../../src/core/engine.js';
import { InMemoryLoyaltyEngine } from '../../src/testing/memory-engine.js';

describe('InMemoryLoyaltyEngine', () => {
  it('registers events for known customers and refuses unknown ones', async () => {
    const engine = new InMemoryLoyaltyEngine([{ id: 'c1', attributes: { email: 'a@b.c' } }]);
    expect(await engine.registerEvent({ customerId: 'c1', action: 'point_add', data: { points: 5 }, idempotencyKey: 'k1' })).toEqual({ eventId: 'evt_1' });
    await expect(engine.registerEvent({ customerId: 'zz', action: 'point_add', data: {}, idempotencyKey: 'k2' })).rejects.toBeInstanceOf(EngineRefusal);
    expect(engine.eventsOf('c1')).toHaveLength(1);
  });

  it('finds customers by id or attribute and creates inactive ones', async () => {
    const engine = new InMemoryLoyaltyEngine([{ id: 'c1', attributes: { email: 'a@b.c' } }]);
    expect((await engine.findCustomer({ field: 'email', value: 'a@b.c' }))?.id).toBe('c1');
    expect(await engine.findCustomer({ field: 'email', value: 'x' })).toBeUndefined();
    const created = await engine.createCustomer({ attributes: { email: 'n@b.c' }, status: 'inactive' });
    expect(created.status).toBe('inactive');
    expect((await engine.findCustomer({ field: 'id', value: created.id }))?.attributes.email).toBe('n@b.c');
  });

  it('keeps lists and refuses members for an inactive one', async () => {
    const engine = new InMemoryLoyaltyEngine([{ id: 'c1' }]);
    await engine.upsertList({ id: 'a1', name: 'VIP' });
    await engine.upsertList({ id: 'a1', name: 'VIPs' });
    await engine.addMembers('a1', ['c1']);
    expect(engine.lists.get('a1')).toMatchObject({ name: 'VIPs', members: new Set(['c1']) });
    engine.lists.get('a1')!.active = false;
    await expect(engine.addMembers('a1', ['c2'])).rejects.toMatchObject({ reason: 'inactive_list' });
  });

  it('fails the next calls on demand', async () => {
    const engine = new InMemoryLoyaltyEngine([{ id: 'c1' }]);
    engine.failNext(1);
    await expect(engine.findCustomer({ field: 'id', value: 'c1' })).rejects.toThrow('temporarily unavailable');
    expect(await engine.findCustomer({ field: 'id', value: 'c1' })).toBeDefined();
  });
});

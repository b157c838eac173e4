import { describe, expect, it } from '@jest/globals';
import { CapacityGate } from '../../../src/simulator/capacity-gate.ts';

/** Lets queued promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CapacityGate (the simulator’s server-side capacity, #12)', () => {
  it('serves at most `capacity` at once and admits the waiting in arrival order', async () => {
    const gate = new CapacityGate(2);
    const order: number[] = [];
    const entered = [1, 2, 3, 4].map((n) => gate.enter().then(() => order.push(n)));
    await settle();
    expect(order).toEqual([1, 2]);
    expect(gate.inFlight).toBe(4);
    gate.leave();
    await settle();
    expect(order).toEqual([1, 2, 3]);
    gate.leave();
    await Promise.all(entered);
    expect(order).toEqual([1, 2, 3, 4]);
    gate.leave();
    gate.leave();
    expect(gate.inFlight).toBe(0);
  });

  it('admits waiting requests at once when the capacity is raised, and holds new ones when it drops', async () => {
    const gate = new CapacityGate(1);
    let admitted = 0;
    for (let i = 0; i < 5; i++) void gate.enter().then(() => admitted++);
    await settle();
    expect(admitted).toBe(1);
    gate.setCapacity(4);
    await settle();
    expect(admitted).toBe(4);
    gate.setCapacity(1);
    for (let i = 0; i < 3; i++) gate.leave();
    await settle();
    // 4 were in service, 3 left: 1 in service, which is the capacity, so the fifth still waits.
    expect(admitted).toBe(4);
    gate.leave();
    await settle();
    expect(admitted).toBe(5);
  });

  it('is unlimited at capacity 0 and rejects a capacity that is not a whole number >= 0', async () => {
    const gate = new CapacityGate(0);
    let admitted = 0;
    for (let i = 0; i < 100; i++) void gate.enter().then(() => admitted++);
    await settle();
    expect(admitted).toBe(100);
    expect(() => gate.setCapacity(-1)).toThrow(/integer >= 0, got -1/);
    expect(() => new CapacityGate(1.5)).toThrow(/got 1.5/);
  });
});

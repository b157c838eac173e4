import { seededRandom } from '../../../src/contracts/seeded-random.ts';
import { AdaptiveLimit, type AdaptiveLimitOptions } from '../../../src/worker/adaptive-limit.ts';

const PROBE_SAMPLES = 50;

/** A limiter whose first no-load probe is done: `rttMs` at 1 call in flight, 1 ms apart, from t = 0. */
function probed(options: AdaptiveLimitOptions, rttMs = 5): { limit: AdaptiveLimit; t: number } {
  const limit = new AdaptiveLimit(options);
  for (let i = 0; i < PROBE_SAMPLES; i++) limit.record('ok', rttMs, 1, i);
  return { limit, t: PROBE_SAMPLES };
}

// Feeds `n` calls of one outcome and latency, 1 ms apart, with the limit fully used.
function feed(limit: AdaptiveLimit, n: number, rttMs: number, outcome: 'ok' | 'drop' | 'error', t0: number) {
  for (let i = 0; i < n; i++) limit.record(outcome, rttMs, limit.limit, t0 + i);
  return t0 + n;
}

/**
 * A closed loop against a simulated upstream that serves `capacity()` calls at once and queues the rest:
 * every call starts with the limit in flight, and its round trip is the service time × max(1, in flight
 * / capacity); calls come back one every rtt / limit ms, as a full limit makes them. Samples the limit
 * every 250 ms of simulated time, as the spike bench does.
 */
function upstreamLoop(limit: AdaptiveLimit, serviceMs: () => number) {
  let t = 0;
  const samples: Array<{ at: number; limit: number; probing: boolean }> = [];
  // Seconds at which a probe started after the first.
  const probes: number[] = [];
  return {
    samples,
    probes,
    run(seconds: number, capacity: number) {
      const end = t + seconds * 1000;
      while (t < end) {
        const inFlight = limit.limit;
        const rtt = serviceMs() * Math.max(1, inFlight / capacity);
        const wasProbing = limit.probing;
        limit.record('ok', rtt, inFlight, t);
        if (limit.probing && !wasProbing) probes.push(t / 1000);
        const next = t + rtt / inFlight;
        for (let at = Math.ceil(t / 250) * 250; at < next; at += 250)
          samples.push({ at: at / 1000, limit: limit.limit, probing: limit.probing });
        t = next;
      }
    },
  };
}

/** Service times as the upstream simulator draws them (src/simulator/faults.ts), seeded. */
function logNormal(seed: number, medianMs: number, p95Ms: number): () => number {
  const random = seededRandom(seed);
  const sigma = Math.log(p95Ms / medianMs) / 1.645;
  return () =>
    medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/** The spike bench's scenario (#12): capacity C for 20 s, C / 10 for 30 s, C for 40 s; its measures. */
function spikeScenario(serviceMs: () => number, capacity = 20) {
  // The probe jitter seeded too: the second probe (60–69 s) falls where the scenario measures recovery.
  const limit = new AdaptiveLimit({ min: 2, max: 64, initial: 32, random: seededRandom(42) });
  const loop = upstreamLoop(limit, serviceMs);
  loop.run(20, capacity);
  loop.run(30, capacity / 10);
  loop.run(40, capacity);
  const between = (from: number, to: number) => loop.samples.filter((s) => s.at >= from && s.at < to);
  const preLimit = median(between(10, 20).map((s) => s.limit));
  const cut = between(20, 50).find((s) => s.limit <= preLimit / 2);
  const back = between(50, 90).find((s) => s.limit >= 0.9 * preLimit);
  return {
    preLimit,
    spikeLimit: median(between(25, 50).map((s) => s.limit)),
    postLimit: median(between(60, 90).map((s) => s.limit)),
    cutSeconds: cut ? cut.at - 20 : Number.NaN,
    backSeconds: back ? back.at - 50 : Number.NaN,
  };
}

describe('AdaptiveLimit (issue 12)', () => {
  it('first measures the no-load round trip at 3 calls in flight, then starts at `initial`', () => {
    const limit = new AdaptiveLimit({ min: 2, max: 64, initial: 32 });
    expect(limit.limit).toBe(3);
    // Calls that started with more in flight queued behind each other: not a no-load round trip.
    for (let i = 0; i < 100; i++) limit.record('ok', 80, 32, i);
    expect(limit.limit).toBe(3);
    for (let i = 0; i < PROBE_SAMPLES - 1; i++) limit.record('ok', i % 2 === 0 ? 4 : 6, 3, 100 + i);
    expect(limit.limit).toBe(3);
    // A slow first call (a new connection) does not move the median.
    limit.record('ok', 500, 1, 200);
    expect(limit.limit).toBe(32);
    expect(limit.baselineMs).toBe(6);
  });

  it('a fixed limit (min = max) does not probe', () => {
    const limit = new AdaptiveLimit({ min: 32, max: 32, initial: 32 });
    expect(limit.limit).toBe(32);
    feed(limit, 1000, 5, 'ok', 0);
    expect(limit.limit).toBe(32);
  });

  it('grows by one per window of `limit` good calls while used and latency holds, up to max', () => {
    const { limit, t } = probed({ min: 2, max: 20, initial: 10 });
    expect(limit.limit).toBe(10);
    feed(limit, 10, 5, 'ok', t);
    expect(limit.limit).toBe(11);
    feed(limit, 10_000, 5, 'ok', t + 100);
    expect(limit.limit).toBe(20);
  });

  it('does not grow while the limit is not used', () => {
    const { limit, t } = probed({ min: 2, max: 20, initial: 10 });
    for (let i = 0; i < 1000; i++) limit.record('ok', 5, 1, t + i);
    expect(limit.limit).toBe(10);
  });

  /**
   * The spike goals of #12 on one simulated run: near capacity before, cut in time, low during the spike,
   * back within 5 s, near capacity after (bounded above only where the run is noiseless: `postAtMost`).
   */
  const expectSpikeRun = (
    run: ReturnType<typeof spikeScenario>,
    b: { limitAtLeast: number; limitAtMost: number; cutWithinSeconds: number; spikeLimitAtMost: number },
    postAtMost?: number,
  ): void => {
    expect(run.preLimit).toBeGreaterThanOrEqual(b.limitAtLeast);
    expect(run.preLimit).toBeLessThanOrEqual(b.limitAtMost);
    expect(run.cutSeconds).toBeLessThanOrEqual(b.cutWithinSeconds);
    expect(run.spikeLimit).toBeLessThanOrEqual(b.spikeLimitAtMost);
    expect(run.backSeconds).toBeLessThanOrEqual(5);
    expect(run.postLimit).toBeGreaterThanOrEqual(b.limitAtLeast);
    if (postAtMost !== undefined) expect(run.postLimit).toBeLessThanOrEqual(postAtMost);
  };

  it('settles near a simulated upstream capacity, cuts on a tenfold drop of it, is back within seconds', () => {
    // #12: the limiter learnt its baseline from its own queued calls and climbed to its max (64) against an
    // upstream that serves 20 at once; after the spike it did not get back to 90 % of that.
    expectSpikeRun(
      spikeScenario(() => 20),
      {
        limitAtLeast: 20,
        limitAtMost: 20 * 1.5,
        cutWithinSeconds: 1,
        spikeLimitAtMost: 2 * 1.5 + 1,
      },
      20 * 1.5,
    );
  });

  it('does the same with noisy service times (the bench simulator: median 20 ms, p95 40 ms)', () => {
    for (const seed of [1, 2, 3]) {
      expectSpikeRun(spikeScenario(logNormal(seed, 20, 40)), {
        limitAtLeast: 18,
        limitAtMost: 20 * 1.6,
        cutWithinSeconds: 2,
        spikeLimitAtMost: 2 * 2 + 1,
      });
    }
  });

  it('is not cut by the noise of an upstream that does not queue (median 4 ms, p95 15 ms)', () => {
    // The noise of a 50-call probe: a baseline 20 % low cut such a limit to 4–8 for the minute up to the
    // next probe, until round trips within the probe's own p75 counted as noise.
    for (const seed of [1, 3, 5]) {
      const limit = new AdaptiveLimit({ min: 2, max: 32, initial: 32, random: seededRandom(seed + 100) });
      const loop = upstreamLoop(limit, logNormal(seed, 4, 15));
      // Past the second probe, whose start the jitter puts 60–69 s after the first.
      loop.run(75, Number.POSITIVE_INFINITY);
      expect(loop.probes).toHaveLength(1);
      expect(loop.probes[0]).toBeGreaterThan(60);
      expect(loop.probes[0]).toBeLessThan(70);
      expect(median(loop.samples.map((s) => s.limit))).toBe(32);
      // A probe holds the limit at its few calls for ~70 ms by design; a sample that falls into it is no
      // cut (a CI run on 9808c02 failed on one once the probe's start was jittered, 3fe7eb4).
      const outsideProbes = loop.samples.filter((s) => s.at > 1 && !s.probing).map((s) => s.limit);
      expect(Math.min(...outsideProbes)).toBeGreaterThanOrEqual(16);
    }
  });

  it('is not cut by a few milliseconds on a sub-millisecond upstream (a busy worker’s own event loop)', () => {
    // The worker bench without latency (#12): probed at 0.3 ms, loaded round trips of 1–4 ms cut the limit
    // to its min and cost 21 % of items/s against main.
    const { limit, t } = probed({ min: 2, max: 64, initial: 32 }, 0.3);
    for (let i = 0; i < 20_000; i++) limit.record('ok', 1 + (i % 4), limit.limit, t + i * 0.1);
    expect(limit.limit).toBe(64);
  });

  it('does not learn a 30 s spike from its own calls: the limit stays cut through it (bench: spike)', () => {
    const { limit } = probed({ min: 2, max: 64, initial: 32 });
    let t = 100;
    for (let i = 0; i < 500; i++) limit.record('ok', 5, limit.limit, (t += 1));
    // 30 s of 10× latency at 1,000 calls/s, before the next probe.
    for (let i = 0; i < 30_000; i++) limit.record('ok', 50, limit.limit, (t += 1));
    expect(limit.baselineMs).toBe(5);
    expect(limit.limit).toBeLessThanOrEqual(4);
  });

  it('learns a lasting rise of the no-load latency at the next probe', () => {
    const { limit } = probed({ min: 2, max: 64, initial: 32 });
    let t = 100;
    for (let i = 0; i < 500; i++) limit.record('ok', 5, limit.limit, (t += 1));
    for (let i = 0; i < 30_000; i++) limit.record('ok', 50, limit.limit, (t += 1));
    expect(limit.limit).toBeLessThanOrEqual(4);
    for (let i = 0; i < 60_000; i++) limit.record('ok', 50, limit.limit, (t += 1));
    expect(limit.baselineMs).toBe(50);
    expect(limit.limit).toBeGreaterThan(32);
  });

  it('starts each next probe up to 15 % of the minute late, at random (replicas do not probe in step)', () => {
    // When the probe after the first one starts: the limit drops to the probe's 3 calls in flight.
    const nextProbeAt = (random: number) => {
      const limit = new AdaptiveLimit({ min: 2, max: 64, initial: 32, random: () => random });
      for (let i = 0; i < PROBE_SAMPLES; i++) limit.record('ok', 5, 1, i);
      for (let t = PROBE_SAMPLES; t < 80_000; t += 10) {
        limit.record('ok', 5, limit.limit, t);
        if (limit.limit === 3) return t;
      }
      return undefined;
    };
    const earliest = nextProbeAt(0);
    const latest = nextProbeAt(0.999);
    expect(earliest).toBeGreaterThanOrEqual(60_000);
    expect(earliest).toBeLessThan(60_100);
    expect(latest).toBeGreaterThanOrEqual(68_900);
    expect(latest).toBeLessThan(69_100);
    expect(nextProbeAt(0.5)).toBeGreaterThan(64_400);
  });

  it('tolerates latency noise under the tolerance', () => {
    const { limit, t } = probed({ min: 2, max: 64, initial: 32 }, 5);
    for (let i = 0; i < 20_000; i++)
      limit.record('ok', i % 3 === 0 ? 5 : i % 3 === 1 ? 4 : 6.2, limit.limit, t + i);
    expect(limit.limit).toBe(64);
  });

  it('cuts by the backoff ratio on a 429 or timeout, once per cooldown, never below min', () => {
    const { limit } = probed({ min: 3, max: 64, initial: 40, backoffRatio: 0.5, cooldownMs: 100 });
    limit.record('drop', 5, 40, 100);
    expect(limit.limit).toBe(20);
    limit.record('drop', 5, 40, 150);
    expect(limit.limit).toBe(20);
    for (let t = 200; t <= 1100; t += 100) limit.record('drop', 5, 40, t);
    expect(limit.limit).toBe(3);
  });

  it('keeps its limit under a steady 20 % of errors but cuts on an error spike', () => {
    const { limit: steady, t } = probed({ min: 2, max: 64, initial: 32 });
    for (let i = 0; i < 5000; i++) steady.record(i % 5 === 0 ? 'error' : 'ok', 5, steady.limit, t + i);
    expect(steady.limit).toBe(64);
    feed(steady, 100, 5, 'error', 10_000);
    expect(steady.limit).toBeLessThan(64);
  });

  it('ignores answers that say nothing about load', () => {
    const { limit } = probed({ min: 2, max: 64, initial: 32 });
    for (let i = 0; i < 100; i++) limit.record('ignore', 500, 32, 100 + i);
    expect(limit.limit).toBe(32);
  });
});

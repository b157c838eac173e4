// Warehouse shards (#13): more replicas than shards cannot help; the operator says so on the bot.
import { REASONS } from '../../../src/api/names.ts';
import { specProblems } from '../../../src/operator/spec-problems.ts';
import { sampleBot } from '../../support/sample-bot.ts';

test('maxReplicas above spec.queue.shards is reported, naming both fixes; at or below it, or unsharded, is not', () => {
  const spec = (shards: number, maxReplicas: number) =>
    sampleBot({
      queue: { redis: { url: 'redis://redis:6379' }, shards },
      scaling: { minReplicas: 1, maxReplicas },
    }).spec;
  const [problem, ...rest] = specProblems(spec(4, 10), { externalMetrics: true });
  expect(rest).toEqual([]);
  expect(problem?.reason).toBe(REASONS.replicasAboveShards);
  expect(problem?.message).toContain('spec.scaling.maxReplicas is 10 but spec.queue.shards is 4');
  expect(problem?.message).toContain('lower spec.scaling.maxReplicas to 4');
  expect(specProblems(spec(4, 4), { externalMetrics: true })).toEqual([]);
  expect(specProblems(spec(0, 10), { externalMetrics: true })).toEqual([]);
});

// The bench starts the operator as deploy/ runs it (#14): Node flags and literal env of its container.
import { productionRuntime } from '../../bench/operator-process.ts';

describe('productionRuntime', () => {
  test("takes the operator container's Node flags and literal env from deploy/", () => {
    const runtime = productionRuntime();
    expect(runtime.nodeFlags).toEqual(
      expect.arrayContaining(['--max-semi-space-size=1', '--optimize-for-size']),
    );
    expect(runtime.nodeFlags.some((flag) => flag.startsWith('--max-old-space-size='))).toBe(true);
    expect(runtime.nodeFlags).not.toContain('dist/src/operator/main.js');
    expect(runtime.env.MALLOC_ARENA_MAX).toBe('2');
  });

  test("names BENCH_OPERATOR_NODE_FLAGS's flags as an experiment, and nothing without it", () => {
    const saved = process.env.BENCH_OPERATOR_NODE_FLAGS;
    try {
      delete process.env.BENCH_OPERATOR_NODE_FLAGS;
      expect(productionRuntime().nodeFlagsExperiment).toBeUndefined();
      process.env.BENCH_OPERATOR_NODE_FLAGS = ' --max-semi-space-size=4  --optimize-for-size ';
      const runtime = productionRuntime();
      expect(runtime.nodeFlags).toEqual(['--max-semi-space-size=4', '--optimize-for-size']);
      expect(runtime.nodeFlagsExperiment).toBe('--max-semi-space-size=4 --optimize-for-size');
    } finally {
      if (saved === undefined) delete process.env.BENCH_OPERATOR_NODE_FLAGS;
      else process.env.BENCH_OPERATOR_NODE_FLAGS = saved;
    }
  });

  test('leaves out env taken from the pod (valueFrom)', () => {
    const { env } = productionRuntime();
    expect(env).not.toHaveProperty('POD_NAMESPACE');
    expect(env).not.toHaveProperty('POD_NAME');
  });
});

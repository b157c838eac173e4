import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputsFrom, type RoiCliOptions } from '../../../src/cli/commands/roi.ts';
import { InputError } from '../../../src/contracts/input-error.ts';
import { withDefaults } from '../../../src/roi/arithmetic.ts';

const base: RoiCliOptions = { duration: '30s', interval: '2s', selector: '', range: '24h', out: 'x' };

describe('inventorybot roi: model inputs from the bot, then flags', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'roi-inputs-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prices what the bot requests and keeps (spec.resources, spec.scaling, spec.roi)', () => {
    const bot = join(dir, 'bot.yaml');
    writeFileSync(
      bot,
      [
        'apiVersion: inventorybot.io/v1alpha1',
        'kind: InventoryBot',
        'metadata: { name: shop }',
        'spec:',
        '  resources: { requests: { cpu: 250m, memory: 512Mi }, limits: { memory: 1Gi } }',
        '  scaling: { minReplicas: 2, targetCPUUtilizationPercentage: 50 }',
        '  roi: { laborMinutesPerItem: 0.5, setupCost: 1800 }',
      ].join('\n'),
    );
    const inputs = withDefaults(inputsFrom({ ...base, bot }));
    expect(inputs.worker).toEqual({ cpuCores: 0.25, memoryGiB: 0.5 });
    expect(inputs).toMatchObject({ minReplicas: 2, targetCpuUtilization: 0.5, laborMinutesPerItem: 0.5 });
    // Flags win over the bot.
    const flagged = withDefaults(
      inputsFrom({
        ...base,
        bot,
        workerCpu: '1',
        setupCost: '900',
        itemsPerDay: '12000',
        redisCpu: '0',
        redisMonthlyCost: '30',
        operatorReplicas: '1',
        memoryGibHourPrice: '0.01',
      }),
    );
    expect(flagged.worker).toEqual({ cpuCores: 1, memoryGiB: 0.5 });
    expect(flagged).toMatchObject({ setupCost: 900, itemsPerDay: 12_000, memoryGiBHourPrice: 0.01 });
    expect(flagged.redis).toEqual({ replicas: 1, cpuCores: 0, memoryGiB: 0.25, monthlyCost: 30 });
    expect(flagged.operator.replicas).toBe(1);
  });

  it('rejects bad values as input errors naming the flag', () => {
    expect(() => inputsFrom({ ...base, workerMemory: 'lots' })).toThrow(InputError);
    expect(() => inputsFrom({ ...base, workerMemory: 'lots' })).toThrow(/--worker-memory/);
    expect(() => inputsFrom({ ...base, itemsPerDay: '-5' })).toThrow(/--items-per-day/);
  });
});

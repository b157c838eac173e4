// The API server half of every admission rule (CEL with the quantity and URL libraries, OpenAPI
// patterns): one sample per manifest class of #14/#18, rejected naming the field or accepted. The
// same samples run through zod in test/unit/api/admission-rules.test.ts.
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { apiMessage } from '../../../../src/operator/errors.ts';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../../../src/api/names.ts';
import { ADMISSION_SAMPLES } from '../../../support/admission-samples.ts';
import { adminKubeConfig, ensureNamespace, installCrd } from '../../../support/kube.ts';

const ns = 'api-admission';
let admin: KubeConfig;

beforeAll(async () => {
  admin = adminKubeConfig();
  await installCrd(admin);
  await ensureNamespace(admin, ns);
});

/** The API server's answer to creating the bot (dry run: nothing is stored): undefined when accepted. */
async function create(name: string, spec: object): Promise<string | undefined> {
  try {
    await admin.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: ns,
      dryRun: 'All',
      body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: ns }, spec },
    });
    return undefined;
  } catch (error) {
    return apiMessage(error);
  }
}

describe.each(ADMISSION_SAMPLES)('$what', (sample) => {
  it(sample.rejectedAt ? `is rejected naming ${sample.rejectedAt}` : 'is accepted', async () => {
    const message = await create(sample.name ?? 'shop', sample.spec);
    if (sample.rejectedAt) expect(message).toContain(sample.rejectedAt);
    else expect(message).toBeUndefined();
  });
});

// `npm run bench -- operator-writes`: what one InventoryBot status write costs the API server, against a
// ConfigMap server-side apply of the same status as data (#14). The operator's cold start at 1,000 bots
// differs from the raw-SSA reference by exactly one write per bot, the status apply, and that write costs
// the API server several times an ordinary apply: the stored bot (spec with its schema defaults,
// managedFields, status) is decoded, coerced, validated and re-encoded as unstructured JSON, as every
// custom resource is. Variants size where that cost goes: the same status as a JSON patch (an update
// instead of an apply), and the same apply to bots of CRD copies under other groups, one with every
// `default` removed and one with every CEL rule removed.
// All on one fresh control plane, each an update of an existing object whose content changes each
// round, in 4 lanes as the operator's workers; API server CPU from /proc; alternating order, medians.
import { KubeConfig } from '@kubernetes/client-node';
import type { InventoryBot, InventoryBotStatus } from '../../src/api/inventory-bot.ts';
import { buildCrd } from '../../src/api/crd.ts';
import { FIELD_MANAGER, GROUP, KIND, PLURAL, VERSION } from '../../src/api/names.ts';
import { Applier } from '../../src/operator/kube/apply.ts';
import { kubeconfigFileAccess, type KubeAccess } from '../../src/operator/kube/kube-access.ts';
import { CONTENT_TYPES, kubeRequest, objectPath } from '../../src/operator/kube/kube-request.ts';
import { withSharedConnections } from '../../src/operator/kube/shared-connections.ts';
import { startControlPlane } from '../cluster/control-plane.ts';
import { ensureNamespace, installCrd } from '../support/kube.ts';
import { coldStatus, planePids } from './operator-apply.ts';
import { processFigures } from './proc.ts';
import { formatNumber, formatRatio, markdownTable, median, ratio } from './stats.ts';

export interface OperatorWritesOptions {
  /** Objects per variant; each round writes every one once. */
  writes: number;
  rounds: number;
  lanes: number;
  log: (line: string) => void;
}

export const OPERATOR_WRITES_DEFAULTS = { writes: 400, rounds: 3, lanes: 4 } as const;

export const WRITE_VARIANTS = [
  'bot-status',
  'bot-status-json-patch',
  'bot-status-no-defaults',
  'bot-status-no-rules',
  'configmap-apply',
] as const;
export type WriteVariant = (typeof WRITE_VARIANTS)[number];

export interface OperatorWritesResult {
  /** API server CPU per write, ms, per round. */
  cpuMs: Record<WriteVariant, number[]>;
  /** The stored object's JSON size, bytes (one of each after the last round). */
  storedBytes: Record<WriteVariant, number>;
}

const NAMESPACE = 'writes';
/** The CRD copies: same kind and schema, another group each, so all are served at once. */
const BARE_GROUP = `no-defaults.${GROUP}`;
const NO_RULES_GROUP = `no-rules.${GROUP}`;

/** The CRD under `group` with every schema entry `key` removed (`default`, or the CEL rules). */
function crdWithout(key: 'default' | 'x-kubernetes-validations', group: string): object {
  const crd = structuredClone(buildCrd()) as { metadata: { name: string }; spec: { group: string } };
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === 'object') {
      delete (node as Record<string, unknown>)[key];
      Object.values(node).forEach(strip);
    }
  };
  strip(crd.spec);
  crd.spec.group = group;
  crd.metadata.name = `${PLURAL}.${group}`;
  return crd;
}

async function inLanes(count: number, lanes: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** The cold start's status; the time moves each round, so every write changes the stored object. */
const roundStatus = (round: number): InventoryBotStatus =>
  coldStatus(new Date(Date.UTC(2026, 0, 1, 0, 0, round)));

export async function runOperatorWritesBench(o: OperatorWritesOptions): Promise<OperatorWritesResult> {
  o.log('operator-writes: starting a fresh local control plane');
  const plane = await startControlPlane();
  try {
    const admin = new KubeConfig();
    admin.loadFromFile(plane.kubeconfigPath);
    await installCrd(admin);
    const access: KubeAccess = withSharedConnections(kubeconfigFileAccess(plane.kubeconfigPath)!);
    const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    await kubeRequest(access, { method: 'POST', path: crdPath, body: crdWithout('default', BARE_GROUP) });
    await kubeRequest(access, {
      method: 'POST',
      path: crdPath,
      body: crdWithout('x-kubernetes-validations', NO_RULES_GROUP),
    });
    await ensureNamespace(admin, NAMESPACE);
    const apiServer = planePids(plane.pids)['kube-apiserver'];
    if (apiServer === undefined) throw new Error('no kube-apiserver among the control plane processes');

    const name = (i: number) => `bot-${String(i).padStart(4, '0')}`;
    const bot = (group: string, i: number): InventoryBot =>
      ({
        apiVersion: `${group}/${VERSION}`,
        kind: KIND,
        metadata: { name: name(i), namespace: NAMESPACE },
        // As the operator bench creates its bots: the fields a user must give, the rest defaulted.
        spec: {
          queue: { redis: { url: 'redis://127.0.0.1:1' } },
          upstream: { primaryUrl: 'http://127.0.0.1:1/api' },
        },
      }) as unknown as InventoryBot;
    const create = async (group: string, count: number) => {
      // The copy's resource is served a moment after its CRD is created: retry until it is.
      for (let attempt = 0; ; attempt++) {
        try {
          await inLanes(count, o.lanes, (i) =>
            kubeRequest(access, {
              method: 'POST',
              path: objectPath(`${group}/${VERSION}`, KIND, NAMESPACE),
              body: bot(group, i),
            }).catch((error: { code?: number }) => {
              if (error.code !== 409) throw error;
            }),
          );
          return;
        } catch (error) {
          if (attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };
    // The JSON-patch variant writes bots of its own (the second o.writes), so neither variant's bots carry
    // the other's managedFields entry.
    await create(GROUP, 2 * o.writes);
    await create(BARE_GROUP, o.writes);
    await create(NO_RULES_GROUP, o.writes);
    const own = (i: number) => i + o.writes;
    const applier = new Applier(access);
    const write: Record<WriteVariant, (i: number, status: InventoryBotStatus) => Promise<unknown>> = {
      'bot-status': (i, status) => applier.applyStatus(bot(GROUP, i), status),
      // The same status as a JSON patch that replaces it whole (an update, not an apply): no merge of
      // field sets against the stored managedFields.
      'bot-status-json-patch': (i, status) =>
        kubeRequest(access, {
          method: 'PATCH',
          path: `${objectPath(`${GROUP}/${VERSION}`, KIND, NAMESPACE, name(own(i)))}/status`,
          query: { fieldManager: FIELD_MANAGER },
          body: [{ op: 'add', path: '/status', value: status }],
          contentType: CONTENT_TYPES.jsonPatch,
        }),
      'bot-status-no-defaults': (i, status) => applier.applyStatus(bot(BARE_GROUP, i), status),
      'bot-status-no-rules': (i, status) => applier.applyStatus(bot(NO_RULES_GROUP, i), status),
      'configmap-apply': (i, status) =>
        kubeRequest(access, {
          method: 'PATCH',
          path: objectPath('v1', 'ConfigMap', NAMESPACE, name(i)),
          query: { fieldManager: FIELD_MANAGER, force: true },
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: name(i), namespace: NAMESPACE },
            data: { status: JSON.stringify(status) },
          },
          contentType: CONTENT_TYPES.apply,
        }),
    };
    // Round 0 warms up (and creates the ConfigMaps); it is not counted.
    const cpuMs = Object.fromEntries(WRITE_VARIANTS.map((v) => [v, [] as number[]])) as Record<
      WriteVariant,
      number[]
    >;
    for (let round = 0; round <= o.rounds; round++) {
      const order = round % 2 === 0 ? WRITE_VARIANTS : [...WRITE_VARIANTS].reverse();
      for (const variant of order) {
        const status = roundStatus(round);
        const before = processFigures(apiServer).cpuSeconds;
        await inLanes(o.writes, o.lanes, (i) => write[variant](i, status));
        const perWrite = ((processFigures(apiServer).cpuSeconds - before) / o.writes) * 1000;
        if (round > 0) cpuMs[variant].push(perWrite);
        o.log(
          `operator-writes round ${round}${round === 0 ? ' (warm-up)' : ''}: ${variant} ${perWrite.toFixed(2)} ms`,
        );
      }
    }
    const stored = async (path: string) =>
      JSON.stringify(await kubeRequest<unknown>(access, { method: 'GET', path })).length;
    return {
      cpuMs,
      storedBytes: {
        'bot-status': await stored(objectPath(`${GROUP}/${VERSION}`, KIND, NAMESPACE, name(0))),
        'bot-status-json-patch': await stored(
          objectPath(`${GROUP}/${VERSION}`, KIND, NAMESPACE, name(own(0))),
        ),
        'bot-status-no-defaults': await stored(
          objectPath(`${BARE_GROUP}/${VERSION}`, KIND, NAMESPACE, name(0)),
        ),
        'bot-status-no-rules': await stored(
          objectPath(`${NO_RULES_GROUP}/${VERSION}`, KIND, NAMESPACE, name(0)),
        ),
        'configmap-apply': await stored(objectPath('v1', 'ConfigMap', NAMESPACE, name(0))),
      },
    };
  } finally {
    await plane.stop();
  }
}

const VARIANT_TITLES: Record<WriteVariant, string> = {
  'bot-status': 'InventoryBot status apply (the operator’s, CRD as shipped)',
  'bot-status-json-patch': 'the same status as a JSON patch replacing it (an update, not an apply)',
  'bot-status-no-defaults': 'the same apply, bot stored without schema defaults',
  'bot-status-no-rules': 'the same apply, CRD without its CEL rules (x-kubernetes-validations)',
  'configmap-apply': 'reference: ConfigMap server-side apply of the same status',
};

export function operatorWritesSection(o: OperatorWritesOptions, r: OperatorWritesResult): string {
  const reference = median(r.cpuMs['configmap-apply']);
  const rows = WRITE_VARIANTS.map((v) => {
    const values = r.cpuMs[v];
    return [
      VARIANT_TITLES[v],
      `${formatNumber(median(values), 2)} (${formatNumber(Math.min(...values), 2)}–${formatNumber(Math.max(...values), 2)})`,
      formatRatio(ratio(median(values), reference)),
      formatNumber(r.storedBytes[v]),
    ];
  });
  return [
    '### operator-writes',
    '',
    `API server CPU per write (#14): ${o.writes} existing objects per variant written once a round, in ${o.lanes} ` +
      `lanes, ${o.rounds} rounds after a warm-up (alternating order, medians, min–max); one fresh local control plane; ` +
      'CPU of the kube-apiserver process from /proc over each variant’s writes. The status is the one the operator ' +
      'writes in a cold start (computeStatus, three conditions); the bots were created as the operator bench creates them.',
    '',
    markdownTable(
      ['write', 'API server CPU ms / write', 'ratio to the ConfigMap apply', 'stored object, bytes of JSON'],
      rows,
    ),
  ].join('\n');
}

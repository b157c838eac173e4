// Stand-ins for the CRDs of products the chart and the operator write objects for (the Prometheus
// Operator, cert-manager): permissive CRDs, so the API server accepts and stores those objects without
// the products installed. One copy for the chart and operator cluster tests (#16).
import { kubectlOk } from './command-line.ts';

export type StandIn = readonly [kind: string, plural: string, group?: string];

export const PROMETHEUS_OPERATOR_CRDS: readonly StandIn[] = [
  ['ServiceMonitor', 'servicemonitors'],
  ['PrometheusRule', 'prometheusrules'],
];
export const CERT_MANAGER_CRDS: readonly StandIn[] = [
  ['Certificate', 'certificates', 'cert-manager.io'],
  ['Issuer', 'issuers', 'cert-manager.io'],
];

const groupOf = ([, , group]: StandIn) => group ?? 'monitoring.coreos.com';
const crdRefs = (crds: readonly StandIn[]) => crds.map((crd) => `crd/${crd[1]}.${groupOf(crd)}`);

function standInCrd(crd: StandIn) {
  const [kind, plural] = crd;
  const group = groupOf(crd);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

/** Creates the stand-ins and waits until the API server serves them. */
export function installStandIns(crds: readonly StandIn[]): void {
  for (const crd of crds) kubectlOk(['apply', '--server-side', '-f', '-'], JSON.stringify(standInCrd(crd)));
  kubectlOk(['wait', '--for=condition=Established', ...crdRefs(crds), '--timeout=60s']);
}

export function removeStandIns(crds: readonly StandIn[]): void {
  kubectlOk(['delete', ...crdRefs(crds), '--ignore-not-found', '--wait=true']);
}

/** Creates stand-in CRDs, runs `body`, deletes them. */
export function withStandIns<T>(crds: readonly StandIn[], body: () => T): T {
  if (crds.length === 0) return body();
  installStandIns(crds);
  try {
    return body();
  } finally {
    removeStandIns(crds);
  }
}

// A KubeConfig that records `METHOD path` of every request made through it, for tests that count what
// the operator reads and writes (#14: no read per object, no write on a no-op resync).
import type { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

export function recordingKubeConfig(kubeConfig: KubeConfig, requests: string[]): KubeConfig {
  const recorded = Object.create(kubeConfig) as KubeConfig;
  recorded.applySecurityAuthentication = async (context: RequestContext) => {
    requests.push(`${context.getHttpMethod()} ${new URL(context.getUrl()).pathname}`);
    await kubeConfig.applySecurityAuthentication(context);
  };
  return recorded;
}

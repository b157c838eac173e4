// core/v1 Events about an InventoryBot (shown by `kubectl describe ib`). Best effort: a failed Event
// is logged, never fails a reconcile.
import { randomBytes } from 'node:crypto';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { OPERATOR_NAME } from '../../api/names.ts';
import type { Logger } from '../../contracts/logger.ts';
import { redact } from '../../contracts/redaction.ts';
import type { KubeAccess } from './kube-access.ts';
import { kubeRequest, objectPath } from './kube-request.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  record(bot: InventoryBot, type: EventType, reason: string, message: string): Promise<void>;
}

export function kubeEventRecorder(kubeConfig: KubeAccess, logger: Logger, instance: string): EventRecorder {
  return {
    async record(bot, type, reason, message) {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const { name, namespace, uid, resourceVersion } = bot.metadata;
      try {
        await kubeRequest(kubeConfig, {
          method: 'POST',
          path: objectPath('v1', 'Event', namespace),
          body: {
            metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace },
            involvedObject: {
              apiVersion: bot.apiVersion,
              kind: bot.kind,
              name,
              namespace,
              uid,
              resourceVersion,
            },
            type,
            reason,
            // The one redaction point (#14): an event message never carries a Secret value.
            message: redact(message),
            count: 1,
            firstTimestamp: now,
            lastTimestamp: now,
            source: { component: OPERATOR_NAME },
            reportingComponent: OPERATOR_NAME,
            reportingInstance: instance,
          },
        });
      } catch (error) {
        logger.warn('event not recorded', { bot: `${namespace}/${name}`, reason, error });
      }
    },
  };
}

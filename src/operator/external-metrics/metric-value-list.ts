// external.metrics.k8s.io/v1beta1 ExternalMetricValueList: what the HPA reads for an External metric.
import { LABELS } from '../../api/names.ts';
import { EXTERNAL_METRICS_GROUP_VERSION } from './api-documents.ts';

export interface ExternalMetricValue {
  metricName: string;
  metricLabels: Record<string, string>;
  timestamp: string;
  /** A resource.Quantity in its string form. */
  value: string;
}

export interface ExternalMetricValueList {
  kind: 'ExternalMetricValueList';
  apiVersion: string;
  metadata: Record<string, never>;
  items: ExternalMetricValue[];
}

/** A non-negative number as a Quantity: integers as is, fractions in milli-units (HPA style). */
export function quantity(value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a metric value: ${value}`);
  if (Number.isInteger(value)) return String(value);
  return `${Math.round(value * 1000)}m`;
}

export function externalMetricValueList(
  metricName: string,
  botName: string,
  value: number,
  at: Date,
): ExternalMetricValueList {
  return {
    kind: 'ExternalMetricValueList',
    apiVersion: EXTERNAL_METRICS_GROUP_VERSION,
    metadata: {},
    items: [
      {
        metricName,
        metricLabels: { [LABELS.instance]: botName },
        timestamp: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        value: quantity(value),
      },
    ],
  };
}

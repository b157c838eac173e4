// The upstream inventory API contract the worker speaks (the simulator implements it; a real ERP/WMS
// needs an adapter with the same shape). Errors carry `error_code` in a JSON body.

export const APPLY_PATH = '/v1/inventory/apply';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export interface ApplyRequest {
  warehouse: string;
  sku: string;
  delta?: number;
  target?: number;
  batchId?: string;
}

export interface ApplyResponse {
  /** `replayed`: the key was seen before, the earlier effect stands and nothing was applied now. */
  status: 'applied' | 'replayed';
  stock: number;
}

export interface ErrorResponse {
  error_code: string;
  message: string;
}

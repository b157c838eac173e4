// Tests use the same helper as the demo.
export { freePort } from '../../src/cli/local/free-port.ts';

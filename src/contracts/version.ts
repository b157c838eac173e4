// Generated from package.json "version" by `npm run generate` (test/tools/sync-version.ts). Do not edit:
// the release workflow sets package.json's version from the git tag, and a unit test fails when any copy
// (this file, Chart.yaml, the CRD default image tag, samples, deploy/) differs from it (#9).
export const PRODUCT_VERSION = '0.1.0';

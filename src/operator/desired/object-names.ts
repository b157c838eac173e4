// Names of the objects an InventoryBot owns. The Deployment, Service, HPA, PDB and monitoring objects
// share the bot's name (one of each per bot); the ConfigMap gets a suffix so `kubectl get cm` says what it is.
export const workloadName = (botName: string): string => botName;
export const configMapName = (botName: string): string => `${botName}-config`;

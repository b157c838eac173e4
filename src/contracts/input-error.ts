// Bad input from the person at the keyboard or the config they wrote (a flag, a config file, a manifest):
// the entry points print its message alone and exit 2, the usage-error convention (#9).
export class InputError extends Error {
  override name = 'InputError';
}

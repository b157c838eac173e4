// A test that needs an external binary fails with a message naming it and the command that installs it,
// never with an empty output (#9). The binaries and their Debian packages are listed once, in
// test/tools/prerequisites.tsv, which test/tools/prerequisites.sh installs from.
import { accessSync, constants, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export class MissingBinaryError extends Error {
  override name = 'MissingBinaryError';
}

function packageFor(binary: string): string | undefined {
  const table = readFileSync(resolve('test/tools/prerequisites.tsv'), 'utf8');
  for (const line of table.split('\n')) {
    const [purpose, path, pkg] = line.split('\t');
    if (purpose && !purpose.startsWith('#') && path === binary) return pkg;
  }
  return undefined;
}

/** Returns `binary` when it is executable; throws a MissingBinaryError naming it and the install command. */
export function requireBinary(binary: string): string {
  try {
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    const pkg = packageFor(binary);
    const how = pkg
      ? `install Debian's ${pkg}: \`test/tools/prerequisites.sh test\` (as root) or \`sudo apt-get install -y ${pkg}\``
      : 'install it or point the matching environment variable at it';
    throw new MissingBinaryError(`${binary} is missing: ${how}`);
  }
}

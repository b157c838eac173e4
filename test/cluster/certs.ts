// Certificates for the local control plane, made with openssl: a CA, the API server's serving cert,
// an admin client cert in system:masters, the aggregation-layer proxy client cert, and the
// service-account signing key pair.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from '../support/required-binary.ts';

export interface ClusterCerts {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  proxyClientCert: string;
  proxyClientKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync(requireBinary('/usr/bin/openssl'), args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}

function makeCa(dir: string, commonName: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      `/CN=${commonName}`,
      '-days',
      '3650',
      '-out',
      'ca.crt',
    ],
    dir,
  );
}

/** A CA and a server certificate signed by it, for an extension API server or webhook in tests. */
export function makeServingCert(
  dir: string,
  commonName: string,
  dnsNames: string[],
): { caPem: string; cert: string; key: string } {
  makeCa(dir, `${commonName}-ca`);
  signed(
    dir,
    'tls',
    `/CN=${commonName}`,
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}\n`,
  );
  return {
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    cert: join(dir, 'tls.crt'),
    key: join(dir, 'tls.key'),
  };
}

export function makeCerts(dir: string, extraSans: string[] = []): ClusterCerts {
  makeCa(dir, 'inventorybot-test-ca');
  const sans = [
    'DNS:localhost',
    'IP:127.0.0.1',
    'IP:10.0.0.1',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
    ...extraSans,
  ];
  signed(
    dir,
    'serving',
    '/CN=kube-apiserver',
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(',')}\n`,
  );
  const client =
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  signed(dir, 'admin', '/O=system:masters/CN=admin', client);
  signed(dir, 'proxy-client', '/CN=front-proxy-client', client);
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const p = (f: string) => join(dir, f);
  return {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('serving.crt'),
    servingKey: p('serving.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    proxyClientCert: p('proxy-client.crt'),
    proxyClientKey: p('proxy-client.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub'),
  };
}

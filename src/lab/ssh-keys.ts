import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * ed25519 key pairs for the lab (its client key, each host's host key), made in this process and written in OpenSSH's
 * own formats, which `ssh`, `sshd` and ssh2 read: nine `ssh-keygen` processes cost a lab's start more than the keys.
 * The private key format is PROTOCOL.key of OpenSSH (`openssh-key-v1`, unencrypted).
 */

export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` … (write it 0600). */
  private: string;
  /** `ssh-ed25519 AAAA… comment` (one line, no newline). */
  public: string;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
/** An SSH wire-format string: length, then bytes. */
const str = (s: Buffer | string): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([u32(b.length), b]);
};

/** The public key blob (`string "ssh-ed25519", string key`) of a 32-byte ed25519 public key (pure). */
export function ed25519PublicBlob(pub: Buffer): Buffer {
  return Buffer.concat([str('ssh-ed25519'), str(pub)]);
}

/**
 * Both files of a key pair from its 32-byte seed and public key (pure, given `check`, the random check word that
 * OpenSSH uses to tell a wrong passphrase).
 */
export function formatEd25519(seed: Buffer, pub: Buffer, comment: string, check: number): SshKeyPair {
  const blob = ed25519PublicBlob(pub);
  const body = [u32(check), u32(check), str('ssh-ed25519'), str(pub), str(Buffer.concat([seed, pub])), str(comment)];
  const unpadded = Buffer.concat(body);
  const padding = Buffer.from(Array.from({ length: (8 - (unpadded.length % 8)) % 8 }, (_, i) => i + 1));
  const file = Buffer.concat([Buffer.from('openssh-key-v1\0'), str('none'), str('none'), str(''), u32(1), str(blob), str(Buffer.concat([unpadded, padding]))]);
  const b64 = file.toString('base64').replace(/.{1,70}/g, '$&\n');
  return {
    private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`,
    public: `ssh-ed25519 ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`,
  };
}

export function ed25519KeyPair(comment: string): SshKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  if (seed.length !== 32 || pub.length !== 32) throw new Error('ed25519 key of unexpected size');
  return formatEd25519(seed, pub, comment, randomBytes(4).readUInt32BE());
}

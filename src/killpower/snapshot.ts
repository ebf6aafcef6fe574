// The late-shutdown snapshot (issue 15), sans-I/O: what `hardnut killpower snapshot` writes to
// /run so the late hook needs nothing from /etc, /usr/local or node_modules. The directory holds
//   manifest      this codec: the node binary to run and the flag's verify key
//   ups.conf      the resolved sections of the UPSes that may be killed (renderUpsConf), no globals
//   dist/         hardnut.js and its chunks; node_modules/: the native packages a driver loads
//   state/        NUT_STATEPATH and NUT_ALTPIDPATH of the late step (nothing is created there)
import { quoteValue } from '../core/tokenizer.js';
import type { UpsSection } from '../core/config/ups-conf.js';
import { PUBLIC_KEY_BYTES } from './flag.js';
import { HardnutError } from '../core/errors.js';

export const MANIFEST_HEADER = 'hardnut-late 1';
/** A manifest is three short lines; more is not one. */
export const MAX_MANIFEST_BYTES = 1024;
/** The node path is a plain absolute path: no shell will ever see it, but keep it boring. */
const NODE_PATH_PATTERN = /^\/[A-Za-z0-9_./+-]{1,255}$/;

export interface Manifest {
  /** Absolute path of the node binary the hook runs (in the image or the initramfs). */
  node: string;
  publicKey: Uint8Array;
}

export class SnapshotError extends HardnutError {
  constructor(message: string) {
    super('ERR_KILLPOWER_SNAPSHOT', message);
  }
}

export function encodeManifest(m: Manifest): string {
  if (!NODE_PATH_PATTERN.test(m.node) || m.node.includes('/../')) throw new SnapshotError(`node path ${m.node} is not a plain absolute path`);
  if (m.publicKey.length !== PUBLIC_KEY_BYTES) throw new SnapshotError(`a verify key is ${PUBLIC_KEY_BYTES} bytes`);
  return `${MANIFEST_HEADER}\nnode ${m.node}\nkey ${Buffer.from(m.publicKey).toString('hex')}\n`;
}

export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new SnapshotError('manifest too large');
  const lines = Buffer.from(bytes).toString('latin1').split('\n');
  const [header, node, key, end, ...rest] = lines;
  if (header !== MANIFEST_HEADER || end !== '' || rest.length > 0) throw new SnapshotError(`manifest is not '${MANIFEST_HEADER}' with node and key lines`);
  if (node === undefined || !node.startsWith('node ') || !NODE_PATH_PATTERN.test(node.slice(5)) || node.includes('/../')) throw new SnapshotError('manifest: bad node line');
  if (key === undefined || !/^key [0-9a-f]{64}$/.test(key)) throw new SnapshotError('manifest: bad key line');
  return { node: node.slice(5), publicKey: Uint8Array.from(Buffer.from(key.slice(4), 'hex')) };
}

/**
 * ups.conf holding only these sections, every value quoted as NUT's parser reads it back. Global
 * settings stay out on purpose: statepath, user, chroot and driverpath name places and accounts of
 * the running system; the late step has its own (NUT_STATEPATH) and runs as root.
 */
export function renderUpsConf(sections: readonly UpsSection[]): string {
  const out = ['# written by hardnut killpower snapshot: the UPSes the late shutdown may kill'];
  for (const s of sections) {
    out.push(`[${s.name}]`);
    for (const e of s.entries) out.push(e.value === null ? `\t${e.key}` : `\t${e.key} = ${quoteValue(e.value)}`);
  }
  return `${out.join('\n')}\n`;
}

import { crc32 } from 'node:zlib';

/**
 * Edits of artifact bytes below the decoder's checks: each result carries a valid CRC-32, so that the
 * decoder has to find what is wrong from the content, not from the checksum.
 */
const prefixLength = 24;

/** The header as plain JSON, for editing. */
export type HeaderJson = Record<string, unknown> & { sections: { name: string; type: string; offset: number; length: number }[] };

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Sets the CRC-32 field to the checksum of what follows the prefix. */
export function reseal(bytes: Uint8Array): Uint8Array {
  view(bytes).setUint32(20, crc32(bytes.subarray(prefixLength)), true);
  return bytes;
}

export function bodyStartOf(bytes: Uint8Array): number {
  return prefixLength + Math.ceil(view(bytes).getUint32(8, true) / 8) * 8;
}

export function headerOf(bytes: Uint8Array): HeaderJson {
  return JSON.parse(new TextDecoder().decode(bytes.subarray(prefixLength, prefixLength + view(bytes).getUint32(8, true)))) as HeaderJson;
}

/** The same body under another header (any JSON value, or raw header bytes), lengths and checksum set to match. */
export function withHeader(bytes: Uint8Array, header: unknown): Uint8Array {
  const headerBytes = header instanceof Uint8Array ? header : new TextEncoder().encode(JSON.stringify(header));
  const body = bytes.subarray(bodyStartOf(bytes));
  const bodyStart = prefixLength + Math.ceil(headerBytes.length / 8) * 8;
  const out = new Uint8Array(bodyStart + body.length);
  out.set(bytes.subarray(0, prefixLength));
  out.set(headerBytes, prefixLength);
  out.set(body, bodyStart);
  view(out).setUint32(8, headerBytes.length, true);
  return reseal(out);
}

/** The header edited by `edit`, which may change it in place or return a replacement. */
export function editHeader(bytes: Uint8Array, edit: (header: HeaderJson) => unknown): Uint8Array {
  const header = headerOf(bytes);
  const replaced = edit(header);
  return withHeader(bytes, replaced === undefined ? header : replaced);
}

/**
 * A copy whose section `name` is edited in place through a typed array over its bytes (the header's
 * type decides which); the copy starts at offset 0 of its own buffer, so every section is aligned.
 */
export function editSection(bytes: Uint8Array, name: string, edit: (values: Int32Array | Float32Array | Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  const entry = headerOf(copy).sections.find((s) => s.name === name);
  if (!entry) throw new Error(`no section ${name}`);
  const at = bodyStartOf(copy) + entry.offset;
  const values =
    entry.type === 'i32' ? new Int32Array(copy.buffer, at, entry.length) : entry.type === 'f32' ? new Float32Array(copy.buffer, at, entry.length) : copy.subarray(at, at + entry.length);
  edit(values);
  return reseal(copy);
}

/** A copy with the body cut or extended to `bodyLength` bytes (zeros appended), its length field matching. */
export function withBodyLength(bytes: Uint8Array, bodyLength: number): Uint8Array {
  const bodyStart = bodyStartOf(bytes);
  const out = new Uint8Array(bodyStart + bodyLength);
  out.set(bytes.subarray(0, Math.min(bytes.length, out.length)));
  view(out).setBigUint64(12, BigInt(bodyLength), true);
  return reseal(out);
}

/** The bytes copied into a SharedArrayBuffer, as a model's threads receive them. */
export function inSharedMemory(bytes: Uint8Array): Uint8Array {
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  return shared;
}

/**
 * Columns of typed arrays of one length, stored as bytes the batch reads back without parsing: a
 * 12-byte header (a magic number naming the record, the row count, the column count), then each
 * column's bytes in turn, little-endian as the platform's typed arrays are.
 */
export type TypedColumn = Int32Array | Uint32Array | Float32Array | Float64Array;

/** How to read one column back: its array type, and how many values it holds per row. */
export interface ColumnSpec {
  of: 'int32' | 'uint32' | 'float32' | 'float64';
  perRow?: number;
}

const HEADER_BYTES = 12;
const WIDTH: Record<ColumnSpec['of'], number> = { int32: 4, uint32: 4, float32: 4, float64: 8 };

export function encodeColumns(magic: number, rows: number, columns: readonly TypedColumn[]): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + columns.reduce((sum, column) => sum + column.byteLength, 0));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic, true);
  view.setUint32(4, rows, true);
  view.setUint32(8, columns.length, true);
  let offset = HEADER_BYTES;
  for (const column of columns) {
    bytes.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), offset);
    offset += column.byteLength;
  }
  return bytes;
}

/** The columns `encodeColumns` stored, as `specs` describe them; throws on bytes that are not such a record. */
export function decodeColumns(bytes: Uint8Array, magic: number, specs: readonly ColumnSpec[], what: string): { rows: number; columns: TypedColumn[] } {
  if (bytes.length < HEADER_BYTES) throw new RangeError(`${what}: shorter than the header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== magic) throw new RangeError(`${what}: bad magic`);
  const rows = view.getUint32(4, true);
  if (view.getUint32(8, true) !== specs.length) throw new RangeError(`${what}: ${view.getUint32(8, true)} columns, expected ${specs.length}`);
  const expected = HEADER_BYTES + specs.reduce((sum, spec) => sum + rows * (spec.perRow ?? 1) * WIDTH[spec.of], 0);
  if (bytes.length !== expected) throw new RangeError(`${what}: ${bytes.length} bytes for ${rows} rows`);
  // Each column a copy in a buffer of its own: aligned for its type whatever the offset, and transferable to a thread on its own.
  let offset = bytes.byteOffset + HEADER_BYTES;
  const columns = specs.map((spec) => {
    const length = rows * (spec.perRow ?? 1);
    const buffer = bytes.buffer.slice(offset, offset + length * WIDTH[spec.of]) as ArrayBuffer;
    offset += length * WIDTH[spec.of];
    return spec.of === 'int32' ? new Int32Array(buffer) : spec.of === 'uint32' ? new Uint32Array(buffer) : spec.of === 'float32' ? new Float32Array(buffer) : new Float64Array(buffer);
  });
  return { rows, columns };
}

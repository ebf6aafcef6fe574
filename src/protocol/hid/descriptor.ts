// HID 1.11 report descriptor parser (§10.3), pure. It reads every item kind the specification
// defines — main (Input/Output/Feature/Collection/End Collection), global (usage page, logical
// and physical extents, unit and unit exponent, report size/ID/count, Push/Pop) and local
// (usages incl. 32-bit extended usages, usage minimum/maximum, designators, strings, delimiters)
// — skips long items, and produces two views:
//   - `mainItems`: each Input/Output/Feature item as the specification describes it (its usages,
//     array or variable, constant or data, size, count, extents, where it sits in its report);
//   - `fields`: the flat list NUT's usbhid-ups works with (hidparser.c): one entry per report
//     field that has its own usage, with the collection path leading to it. Paths, offsets and
//     report lengths are NUT's, so subdriver tables written for NUT find the same data.
//
// Deliberate differences from NUT 2.8.0's hidparser.c, each a memory-safety or correctness fix
// that changes nothing for a well-formed descriptor:
// - every limit below is checked and raises a typed HidError (NUT writes past PATH_SIZE,
//   USAGE_TAB_SIZE and the descriptor buffer, and reads past the end of a truncated item);
// - an End Collection without a Collection is an error (NUT's path size wraps to 255);
// - a Report Count of 0 yields no field (NUT's counter wraps and makes 256 fields);
// - report bit offsets are not truncated to 8 bits (NUT keeps them in a uint8_t, so fields past
//   bit 255 of a report alias the start of it); report lengths are NUT's, computed from the
//   truncated offsets, but never shorter than a named field needs;
// - a descriptor without Report IDs gets real offsets (NUT restarts every field at offset 0).
import { HidError } from './errors.js';

/** Longest descriptor accepted: a USB HID descriptor's wDescriptorLength is 16 bits. */
export const MAX_DESCRIPTOR_BYTES = 65_535;
/** Items (short or long) in one descriptor. */
export const MAX_ITEMS = 16_384;
/** Report fields in one descriptor, counting every ReportCount repetition. NUT stops at 500 objects. */
export const MAX_FIELDS = 8192;
/** Local usages (explicit Usage items) before one main item. NUT's usage stack holds 50. */
export const MAX_LOCAL_USAGES = 256;
/** Nested collections. */
export const MAX_COLLECTION_DEPTH = 16;
/** Nodes in a field's path (collections, their index nodes, the field's usage). NUT's PATH_SIZE is 10. */
export const MAX_PATH_NODES = 32;
/** Global state items saved by Push. */
export const MAX_PUSH_DEPTH = 16;
/** Bits in one field: NUT reads fields into a 64-bit long. */
export const MAX_FIELD_BITS = 64;
/** Bytes in one report, report ID excluded. */
export const MAX_REPORT_BYTES = 4096;

export type ReportType = 'Input' | 'Output' | 'Feature';

/** NUT's item tags (hidtypes.h ITEM_*), with the size bits masked off. */
export const TAG = {
  INPUT: 0x80, OUTPUT: 0x90, FEATURE: 0xb0, COLLECTION: 0xa0, END_COLLECTION: 0xc0,
  USAGE_PAGE: 0x04, LOGICAL_MIN: 0x14, LOGICAL_MAX: 0x24, PHYSICAL_MIN: 0x34, PHYSICAL_MAX: 0x44,
  UNIT_EXPONENT: 0x54, UNIT: 0x64, REPORT_SIZE: 0x74, REPORT_ID: 0x84, REPORT_COUNT: 0x94, PUSH: 0xa4, POP: 0xb4,
  USAGE: 0x08, USAGE_MIN: 0x18, USAGE_MAX: 0x28, DESIGNATOR_INDEX: 0x38, DESIGNATOR_MIN: 0x48, DESIGNATOR_MAX: 0x58,
  STRING_INDEX: 0x78, STRING_MIN: 0x88, STRING_MAX: 0x98, DELIMITER: 0xa8,
  LONG: 0xfc,
} as const;

/** Main item attribute bits (HID 1.11 §6.2.2.5). */
export const ATTR_CONSTANT = 0x01;
export const ATTR_VARIABLE = 0x02;
export const ATTR_RELATIVE = 0x04;
export const ATTR_VOLATILE = 0x80;

/** A path node for a vendor-defined collection type (≥ 0x80): 0x00ff0000 | index, shown as "[n]". */
export const INDEX_NODE = 0x00ff0000;

/** A field's value range and unit (global items, HID 1.11 §6.2.2.7). */
export interface HidExtents {
  logicalMin: number;
  logicalMax: number;
  physicalMin: number;
  physicalMax: number;
  havePhysicalMin: boolean;
  havePhysicalMax: boolean;
  unit: number;
  unitExponent: number;
}

/** Global state, saved and restored by Push/Pop. */
interface GlobalState extends HidExtents {
  usagePage: number;
  reportSize: number;
  reportId: number;
  reportCount: number;
}

/** One field as NUT's usbhid-ups addresses it (HIDData_t). */
export interface HidField extends HidExtents {
  /** Usage nodes from the outermost collection to the field's own usage (page << 16 | id). */
  path: readonly number[];
  type: ReportType;
  reportId: number;
  /** Bit offset of the field inside its report, report ID byte excluded. */
  offset: number;
  /** Bits. */
  size: number;
  /** The main item's attribute byte (constant, variable, relative, …, volatile). */
  attribute: number;
}

/** An Input/Output/Feature item as HID 1.11 describes it. */
export interface HidMainItem {
  type: ReportType;
  reportId: number;
  attribute: number;
  /** Bit offset of its first field inside the report. */
  offset: number;
  reportSize: number;
  reportCount: number;
  /** Explicit usages, in order (for an array field: the usages its values select). */
  usages: readonly number[];
  /** Usage Minimum/Maximum, when given (NUT ignores these). */
  usageRange?: { min: number; max: number };
  /** Array (selector values) rather than variable (one value per field). */
  array: boolean;
  constant: boolean;
  /** Usages of the enclosing collections. */
  collectionPath: readonly number[];
  logicalMin: number;
  logicalMax: number;
}

export interface ReportDescriptor {
  /** NUT's object list, in descriptor order. */
  fields: readonly HidField[];
  mainItems: readonly HidMainItem[];
  /** NUT's replen: bytes per report ID (all types together), report ID byte excluded. */
  reportLengths: ReadonlyMap<number, number>;
  /** Odd things NUT also logs (a LogMax re-read as unsigned…), for the debug log. */
  warnings: readonly string[];
}

const ITEM_SIZE = [0, 1, 2, 4] as const;

/** NUT's FormatValue: the item's data sign-extended from its own size. */
function signed(value: number, size: number): number {
  if (size === 1) return (value << 24) >> 24;
  if (size === 2) return (value << 16) >> 16;
  if (size === 4) return value | 0;
  return value;
}

function reportTypeOf(tag: number): ReportType {
  return tag === TAG.INPUT ? 'Input' : tag === TAG.OUTPUT ? 'Output' : 'Feature';
}

function initialGlobals(): GlobalState {
  return {
    usagePage: 0, logicalMin: 0, logicalMax: 0, physicalMin: 0, physicalMax: 0, havePhysicalMin: false,
    havePhysicalMax: false, unitExponent: 0, unit: 0, reportSize: 0, reportId: 0, reportCount: 0,
  };
}

/**
 * Parses a report descriptor. Throws HidError for anything outside the limits above or a
 * descriptor that yields no field at all (NUT refuses those too).
 */
export function parseReportDescriptor(bytes: Uint8Array): ReportDescriptor {
  if (bytes.length > MAX_DESCRIPTOR_BYTES) throw new HidError('ERR_HID_TOO_LONG', `report descriptor of ${bytes.length} bytes (at most ${MAX_DESCRIPTOR_BYTES})`);
  let g = initialGlobals();
  const stack: GlobalState[] = [];
  let usages: number[] = [];
  let usageMin: number | undefined;
  let usageMax: number | undefined;
  const collections: number[] = [];
  /** Path nodes per open collection (1, or 2 with an index node). */
  const nodesPerCollection: number[] = [];
  const offsets = new Map<string, number>();
  const lengths = new Map<number, number>();
  const fields: HidField[] = [];
  const mainItems: HidMainItem[] = [];
  const warnings: string[] = [];
  let fieldCount = 0;
  let items = 0;

  const resetLocal = (): void => { usages = []; usageMin = undefined; usageMax = undefined; };
  /** A Usage item's value: extended (4 bytes) as is, otherwise on the current usage page. */
  const usageOf = (value: number, size: number): number => (size === 4 ? value >>> 0 : ((g.usagePage << 16) | (value & 0xffff)) >>> 0);

  let pos = 0;
  while (pos < bytes.length) {
    if (++items > MAX_ITEMS) throw new HidError('ERR_HID_TOO_LONG', `more than ${MAX_ITEMS} items`);
    const prefix = bytes[pos] as number;
    if (prefix === 0xfe) {
      // Long item: bDataSize, bLongItemTag, data. No long item tag is defined; skip it.
      if (pos + 3 > bytes.length) throw new HidError('ERR_HID_TRUNCATED', `long item at byte ${pos} is cut off`);
      const dataSize = bytes[pos + 1] as number;
      if (pos + 3 + dataSize > bytes.length) throw new HidError('ERR_HID_TRUNCATED', `long item at byte ${pos} is cut off`);
      pos += 3 + dataSize;
      continue;
    }
    const size = ITEM_SIZE[prefix & 0x03] as number;
    if (pos + 1 + size > bytes.length) throw new HidError('ERR_HID_TRUNCATED', `item 0x${prefix.toString(16).padStart(2, '0')} at byte ${pos} is cut off`);
    let value = 0;
    for (let i = 0; i < size; i++) value += (bytes[pos + 1 + i] as number) * 2 ** (8 * i);
    pos += 1 + size;
    const tag = prefix & 0xfc;

    switch (tag) {
      // ---- main items ----
      case TAG.INPUT: case TAG.OUTPUT: case TAG.FEATURE: {
        const type = reportTypeOf(tag);
        const key = `${g.reportId}/${type}`;
        const start = offsets.get(key) ?? 0;
        const attribute = value & 0xff;
        const count = g.reportCount;
        const bits = g.reportSize;
        if (bits > MAX_FIELD_BITS) throw new HidError('ERR_HID_FIELD_SIZE', `report size ${bits} bits (at most ${MAX_FIELD_BITS})`);
        const end = start + count * bits;
        if (end > MAX_REPORT_BYTES * 8) throw new HidError('ERR_HID_REPORT_TOO_BIG', `report ${g.reportId} (${type}) longer than ${MAX_REPORT_BYTES} bytes`);
        fieldCount += count;
        if (fieldCount > MAX_FIELDS) throw new HidError('ERR_HID_TOO_MANY_FIELDS', `more than ${MAX_FIELDS} report fields`);
        mainItems.push({
          type, reportId: g.reportId, attribute, offset: start, reportSize: bits, reportCount: count, usages: [...usages],
          ...(usageMin !== undefined && usageMax !== undefined ? { usageRange: { min: usageMin, max: usageMax } } : {}),
          array: (attribute & ATTR_VARIABLE) === 0, constant: (attribute & ATTR_CONSTANT) !== 0,
          collectionPath: [...collections], logicalMin: g.logicalMin, logicalMax: g.logicalMax,
        });
        // NUT: field k takes the k-th explicit usage; a field without one continues the previous
        // object (no object of its own), but still takes room in the report.
        let bytes = lengths.get(g.reportId) ?? 0;
        for (let k = 0; k < count; k++) {
          const usage = usages[k] ?? 0;
          const offset = start + k * bits;
          // NUT sizes a report from offsets kept in 8 bits (they wrap past bit 255): the same
          // length, so GET/SET_REPORT move NUT's byte counts; a named field always fits.
          bytes = Math.max(bytes, Math.ceil(((offset % 256) + bits) / 8));
          if (usage !== 0) {
            bytes = Math.max(bytes, Math.ceil((offset + bits) / 8));
            if (collections.length + 1 > MAX_PATH_NODES) throw new HidError('ERR_HID_PATH', `path deeper than ${MAX_PATH_NODES} nodes`);
            fields.push({
              path: [...collections, usage], type, reportId: g.reportId, offset, size: bits, attribute,
              logicalMin: g.logicalMin, logicalMax: g.logicalMax, physicalMin: g.physicalMin, physicalMax: g.physicalMax,
              havePhysicalMin: g.havePhysicalMin, havePhysicalMax: g.havePhysicalMax, unit: g.unit, unitExponent: g.unitExponent,
            });
          }
        }
        if (count > 0) lengths.set(g.reportId, bytes);
        offsets.set(key, end);
        resetLocal();
        break;
      }
      case TAG.COLLECTION: {
        if (nodesPerCollection.length >= MAX_COLLECTION_DEPTH) throw new HidError('ERR_HID_COLLECTION_DEPTH', `collections nested deeper than ${MAX_COLLECTION_DEPTH}`);
        // NUT: the collection takes the first pending usage (0 when there is none)
        collections.push(usages[0] ?? 0);
        let nodes = 1;
        if ((value & 0xff) >= 0x80) { collections.push((INDEX_NODE | (value & 0x7f)) >>> 0); nodes = 2; }
        if (collections.length >= MAX_PATH_NODES) throw new HidError('ERR_HID_PATH', `path deeper than ${MAX_PATH_NODES} nodes`);
        nodesPerCollection.push(nodes);
        resetLocal();
        break;
      }
      case TAG.END_COLLECTION: {
        const nodes = nodesPerCollection.pop();
        if (nodes === undefined) throw new HidError('ERR_HID_UNBALANCED', `End Collection without Collection at byte ${pos - 1 - size}`);
        collections.length -= nodes;
        resetLocal();
        break;
      }
      // ---- global items ----
      case TAG.USAGE_PAGE: g.usagePage = value & 0xffff; break;
      case TAG.LOGICAL_MIN: g.logicalMin = signed(value, size); break;
      case TAG.LOGICAL_MAX:
        g.logicalMax = signed(value, size);
        // NUT: a maximum below the minimum is a firmware that forgot the sign bit; read it unsigned
        if (g.logicalMax < g.logicalMin) {
          warnings.push(`LogMax ${g.logicalMax} is less than LogMin ${g.logicalMin} in report 0x${g.reportId.toString(16).padStart(2, '0')}: using ${value}`);
          g.logicalMax = value;
        }
        break;
      case TAG.PHYSICAL_MIN: g.physicalMin = signed(value, size); g.havePhysicalMin = true; break;
      case TAG.PHYSICAL_MAX: g.physicalMax = signed(value, size); g.havePhysicalMax = true; break;
      case TAG.UNIT_EXPONENT: {
        // a 4-bit two's complement nibble (HID 1.11 §6.2.2.7), as NUT reads it
        const e = (value << 24) >> 24;
        g.unitExponent = e > 7 ? e - 16 : e;
        break;
      }
      case TAG.UNIT: g.unit = value >>> 0; break;
      case TAG.REPORT_SIZE: g.reportSize = value; break;
      case TAG.REPORT_ID:
        if (value === 0 || value > 0xff) throw new HidError('ERR_HID_REPORT_ID', `report ID ${value} (1 to 255)`);
        g.reportId = value;
        break;
      case TAG.REPORT_COUNT: g.reportCount = value; break;
      case TAG.PUSH:
        if (stack.length >= MAX_PUSH_DEPTH) throw new HidError('ERR_HID_STACK', `Push deeper than ${MAX_PUSH_DEPTH}`);
        stack.push({ ...g });
        break;
      case TAG.POP: {
        const saved = stack.pop();
        if (!saved) throw new HidError('ERR_HID_STACK', 'Pop without Push');
        g = saved;
        break;
      }
      // ---- local items ----
      case TAG.USAGE:
        if (usages.length >= MAX_LOCAL_USAGES) throw new HidError('ERR_HID_TOO_MANY_USAGES', `more than ${MAX_LOCAL_USAGES} usages before one main item`);
        usages.push(usageOf(value, size));
        break;
      case TAG.USAGE_MIN: usageMin = usageOf(value, size); break;
      case TAG.USAGE_MAX: usageMax = usageOf(value, size); break;
      // designators, strings, delimiters and reserved tags carry nothing NUT uses
      default: break;
    }
  }
  if (fields.length === 0) throw new HidError('ERR_HID_NO_FIELDS', 'the report descriptor describes no usable field');
  return { fields, mainItems, reportLengths: lengths, warnings };
}

/** NUT's FindObject_with_Path: the first field of `type` whose path starts with `path`. */
export function findField(desc: ReportDescriptor, path: readonly number[], type: ReportType): HidField | undefined {
  for (const f of desc.fields) {
    if (f.type !== type || f.path.length < path.length) continue;
    let same = true;
    for (let i = 0; i < path.length; i++) if (f.path[i] !== path[i]) { same = false; break; }
    if (same) return f;
  }
  return undefined;
}

/** NUT's FindObject_with_ID_Node: the first field of a report whose last path node is `node`. */
export function findFieldByIdNode(desc: ReportDescriptor, reportId: number, node: number): HidField | undefined {
  return desc.fields.find((f) => f.reportId === reportId && f.path.length > 0 && f.path[f.path.length - 1] === node);
}

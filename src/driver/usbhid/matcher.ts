// NUT's USB device matching (usb-common.c): the regex matcher of the vendorid, productid,
// vendor, product, serial, bus and device options, and the exact matcher that makes a
// reconnect pick the same unit again. Pure.
import { UsageError } from '../../core/errors.js';
import type { HidDeviceInfo } from './transport.js';

/** The options, in NUT's regex_array order. */
export const MATCH_OPTIONS = ['vendorid', 'productid', 'vendor', 'product', 'serial', 'bus', 'device'] as const;
export type MatchOption = typeof MATCH_OPTIONS[number];

export type DeviceMatcher = (dev: HidDeviceInfo) => boolean;

/** NUT trims spaces, tabs and newlines around the string before matching. */
const trim = (s: string): string => s.replace(/^[ \t\n]+/, '').replace(/[ \t\n]+$/, '');

/**
 * USBNewRegexMatcher with REG_ICASE | REG_EXTENDED: each given option must match the whole
 * (trimmed) string; numeric IDs are matched as 4 lower-case hex digits; a missing string is "".
 * An unusable expression is a usage error naming the option, as NUT's fatal message does.
 */
export function regexMatcher(values: Partial<Record<MatchOption, string>>): DeviceMatcher {
  const compiled = new Map<MatchOption, RegExp>();
  for (const name of MATCH_OPTIONS) {
    const re = values[name];
    if (re === undefined) continue;
    try {
      // leftmost-longest POSIX semantics only matter for "does a match span the whole string",
      // which anchoring answers the same way
      compiled.set(name, new RegExp(`^(?:${re})$`, 'i'));
    } catch {
      throw new UsageError(`invalid regular expression: ${re}`);
    }
  }
  const text = (dev: HidDeviceInfo, name: MatchOption): string => {
    switch (name) {
      case 'vendorid': return dev.vendorId.toString(16).padStart(4, '0');
      case 'productid': return dev.productId.toString(16).padStart(4, '0');
      case 'vendor': return trim(dev.vendor ?? '');
      case 'product': return trim(dev.product ?? '');
      case 'serial': return trim(dev.serial ?? '');
      case 'bus': return trim(dev.bus ?? '');
      case 'device': return trim(dev.device ?? '');
    }
  };
  return (dev) => {
    for (const [name, re] of compiled) if (!re.test(text(dev, name))) return false;
    return true;
  };
}

/** USBNewExactMatcher: same IDs and the same vendor, product and serial strings. */
export function exactMatcher(found: HidDeviceInfo): DeviceMatcher {
  return (dev) => dev.vendorId === found.vendorId && dev.productId === found.productId
    && dev.vendor === found.vendor && dev.product === found.product && dev.serial === found.serial;
}

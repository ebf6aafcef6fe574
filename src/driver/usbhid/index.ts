// usbhid-ups building blocks: transports, subdrivers (in NUT's claim order), the engine.
import { apcSubdriver } from './apc.js';
import { cpsSubdriver } from './cps.js';
import { genericSubdriver } from './generic.js';
import { mgeSubdriver } from './mge.js';
import type { Subdriver } from './subdriver.js';

/**
 * NUT 2.8.0's subdriver_list order, restricted to the subdrivers hardnut has: the explore-style
 * generic one first (it claims only with `-x explore`), then MGE, APC, CyberPower.
 */
export const SUBDRIVERS: readonly Subdriver[] = [genericSubdriver, mgeSubdriver, apcSubdriver, cpsSubdriver];

export * from './transport.js';
export * from './engine.js';
export * from './matcher.js';
export * from './fixture-transport.js';
export type { Subdriver, SubdriverInstance, HidInfo } from './subdriver.js';

// The lease clock: a lease granted or renewed at `now` runs for the configured TTL (SIMPUL_LEASE_TTL_S).
import type { HubConfig } from '../config.ts';

/** The lease TTL in milliseconds. */
export const leaseTtlMs = (config: Pick<HubConfig, 'leaseTtlS'>): number => Math.round(config.leaseTtlS * 1000);

/** When a lease granted or renewed at `now` (epoch ms) runs out. */
export const leaseExpiry = (config: Pick<HubConfig, 'leaseTtlS'>, now: number): number => now + leaseTtlMs(config);

import type { Registry } from 'prom-client';

/** One prefix for every series, base units (seconds, bytes). */
export const PREFIX = 'opscom_adapter_';
export const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** The registries a metric joins (prom-client's `registers` option). */
export type Registers = Registry[];

/**
 * A drop as the workers know it: what a brand sets, what an operator tunes, where it stands. What the inventory
 * mirrors into Redis (its status, stock, price, limits, times and version) is the inventory's `MirroredDrop`; the
 * rest only PostgreSQL keeps.
 */
import type { MirroredDrop, MirroredStatus } from '../../inventory/index.js';

export type DropStatus = MirroredStatus;

/** How a drop reaches its buyers: a shipped drop needs a shipping address at checkout. */
export const FULFILMENTS = ['shipped', 'pickup', 'digital'] as const;
export type Fulfilment = (typeof FULFILMENTS)[number];

export interface Drop extends MirroredDrop {
  brandId: string;
  title: string;
  description: string;
  sku: string;
  fulfilment: Fulfilment;
  /** Admission paused by an operator. */
  admissionPaused: boolean;
  /** The operator's word to waiting shoppers while paused (one line, at most 200 characters); null: none. */
  pauseMessage: string | null;
  /** Leading zero bits of the proof of work a new joiner must present (set by an operator); 0: none. */
  challengeBits: number;
}

/** The fields a brand sets; everything but the id, brand, status, pause and version. */
export type DropFields = Omit<
  Drop,
  'id' | 'brandId' | 'status' | 'admissionPaused' | 'pauseMessage' | 'challengeBits' | 'version'
>;

/** What an operator tunes while a drop runs. */
export interface AdmissionSettings {
  perMinute: number;
  maxActive: number;
  paused: boolean;
  pauseMessage: string | null;
  challengeBits: number;
}

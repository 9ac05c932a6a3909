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

/** One brand releasing a drop: the lead (the drop's `brandId`) or a partner, with its share of the takings. */
export interface DropBrand {
  id: string;
  name: string;
  /** Whole percent, 1..100; the shares of a drop add up to 100. */
  sharePercent: number;
  lead: boolean;
}

/** A brand and its share, as a brand or an operator names it when creating or changing a drop. */
export interface BrandShare {
  brandId: string;
  sharePercent: number;
}

export interface Drop extends MirroredDrop {
  /** The lead brand: it changes and runs the drop (with operators). */
  brandId: string;
  /** The brands releasing the drop, the lead first; a single-brand drop has its lead alone at 100. */
  brands: DropBrand[];
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

/** The fields a brand sets; everything but the id, brands, status, pause and version. */
export type DropFields = Omit<
  Drop,
  'id' | 'brandId' | 'brands' | 'status' | 'admissionPaused' | 'pauseMessage' | 'challengeBits' | 'version'
>;

/** What an operator tunes while a drop runs. */
export interface AdmissionSettings {
  perMinute: number;
  maxActive: number;
  paused: boolean;
  pauseMessage: string | null;
  challengeBits: number;
}

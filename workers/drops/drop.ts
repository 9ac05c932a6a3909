/** A drop as the workers know it: what a brand sets, what an operator tunes, where it stands. */

export type DropStatus = 'scheduled' | 'open' | 'sold_out' | 'closed' | 'cancelled';

export interface Drop {
  id: string;
  brandId: string;
  title: string;
  description: string;
  sku: string;
  priceCents: number;
  currency: string;
  stock: number;
  perUserLimit: number;
  holdSeconds: number;
  admissionPerMinute: number;
  maxActive: number;
  opensAt: Date;
  closesAt: Date | null;
  status: DropStatus;
  /** Admission paused by an operator. */
  admissionPaused: boolean;
  version: number;
}

/** The fields a brand sets; everything but the id, brand, status, pause and version. */
export type DropFields = Omit<Drop, 'id' | 'brandId' | 'status' | 'admissionPaused' | 'version'>;

/** What an operator tunes while a drop runs. */
export interface AdmissionSettings {
  perMinute: number;
  maxActive: number;
  paused: boolean;
}

/** The brands releasing a drop, as shoppers read them: `Brand A × Brand B`, the lead first. */
import type { DropJson } from '../../index.js';

export const brandNames = (d: Pick<DropJson, 'brands'>): string => d.brands.map((b) => b.name).join(' × ');

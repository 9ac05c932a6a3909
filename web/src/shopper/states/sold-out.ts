/**
 * Every unit held or sold while the shopper waits (sold out for now): the place is kept, since units held but not
 * paid come back when their holds expire. Says how many may come back, and by when.
 */
import type { DropState } from '../drop-state.js';
import { clockTime, h, plural, type Child } from '../../ui.js';

export function soldOutForNowLead({ stock }: DropState): Child[] {
  const held = stock?.held ?? 0;
  const by = stock?.heldUntil ? ` by ${clockTime(new Date(stock.heldUntil))}` : '';
  return [
    h('h2', { id: 'state-title' }, 'Every unit is held right now'),
    h(
      'p',
      { id: 'returning' },
      held > 0
        ? `${plural(held, 'unit is', 'units are')} held by shoppers paying now; any not paid come back${by}. Keep your place: you are next in line for them.`
        : 'Keep your place: units not paid for come back to the line.',
    ),
  ];
}

/** Every unit held or sold while the shopper waits: the place is kept, since expired holds return units. */
import type { QueueStateJson } from '../../../index.js';
import { alert, type Child } from '../../ui.js';
import type { DropState } from '../drop-state.js';
import { waitingCard } from './waiting.js';

export function soldOutCard(s: DropState, q: QueueStateJson, leaveLine: () => void): Child[] {
  return waitingCard(
    s,
    q,
    leaveLine,
    'Sold out for now',
    alert('info', 'Every unit is held or sold. Keep your place: units come back when holds expire.'),
  );
}

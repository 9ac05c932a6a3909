/** A question the brand answers before a step that cannot be taken back: a native modal dialog. */
import { h } from '../ui.js';

/**
 * Shows a modal `<dialog>` with `sentence`, a button named `action` and a Cancel button (Escape cancels too);
 * resolves true when the brand confirms. Focus starts on Cancel and returns where it was.
 */
export function confirmStep(title: string, sentence: string, action: string): Promise<boolean> {
  const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const dialog = h(
    'dialog',
    { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
    h('h2', { id: 'confirm-title' }, title),
    h('p', { id: 'confirm-text' }, sentence),
    h(
      'form',
      { method: 'dialog', class: 'row' },
      h('button', { value: 'confirm', type: 'submit' }, action),
      h('button', { value: 'cancel', type: 'submit', class: 'secondary', autofocus: true }, 'Cancel'),
    ),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
      back?.focus();
    });
    dialog.showModal();
  });
}

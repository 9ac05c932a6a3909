/**
 * A drop's product images on the brand's dashboard: upload one with its alt text, change an alt text, move an image
 * (up, down, or to the lead), remove one. Mounted in the drop view for its lead brand (and operators).
 */
import type { DropImageJson, DropJson, Problem } from '../index.js';
import { api, ApiError } from './api.js';
import { alert, errorText, h, mount } from './ui.js';

/** The API's limit: six images a drop. */
const MAX_IMAGES = 6;
const ACCEPT = 'image/jpeg,image/png,image/webp';

/** Sends the form as multipart/form-data (the browser marks it as our own page's); problem+json → ApiError. */
async function uploadImage(dropId: string, form: FormData): Promise<DropImageJson> {
  let res: Response;
  try {
    res = await fetch(`/api/drops/${dropId}/images`, {
      method: 'POST',
      credentials: 'same-origin',
      body: form,
    });
  } catch {
    throw new ApiError(0, 'network', 'We could not reach Dropline. Check your connection and try again.');
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // An answer that is not JSON (a proxy's error page): the status says enough.
  }
  if (!res.ok) {
    const p = (body ?? {}) as Partial<Problem>;
    throw new ApiError(
      res.status,
      p.code ?? 'error',
      p.detail ?? `Upload failed (${res.status})`,
      p.errors ?? [],
    );
  }
  return body as DropImageJson;
}

export function imagesSection(drop: DropJson, onChanged: () => void): HTMLElement {
  let images = drop.images;
  const status = h('div', { role: 'status' });
  const list = h('ol', { class: 'image-list' });
  const section = h(
    'section',
    { class: 'stack', 'aria-labelledby': `images-${drop.id}` },
    h('h3', { id: `images-${drop.id}` }, 'Images'),
    h(
      'p',
      { class: 'muted' },
      `Up to ${MAX_IMAGES} JPEG, PNG or WebP images. The first is the lead image shoppers see on the list.`,
    ),
    status,
    list,
  );

  const changed = async (what: Promise<unknown>, done: string) => {
    try {
      await what;
      images = (await api<DropJson>(`/api/drops/${drop.id}`)).images;
      mount(status, alert('ok', done));
      draw();
      onChanged();
    } catch (error) {
      mount(status, alert('error', errorText(error)));
    }
  };
  const patch = (image: DropImageJson, body: { alt?: string; position?: number }, done: string) =>
    changed(api(`/api/drops/${drop.id}/images/${image.id}`, { method: 'PATCH', body }), done);

  const row = (image: DropImageJson, index: number) => {
    const altId = `alt-${image.id}`;
    const altInput = h('input', { id: altId, value: image.alt, maxlength: 300, required: true });
    const label = `image ${index + 1}`;
    return h(
      'li',
      { class: 'image-row' },
      h('img', {
        src: image.url,
        alt: image.alt,
        width: image.width,
        height: image.height,
        class: 'thumb',
        loading: 'lazy',
      }),
      h(
        'div',
        { class: 'stack' },
        h('label', { for: altId }, index === 0 ? 'Alt text (lead image)' : `Alt text (${label})`, altInput),
        h(
          'div',
          { class: 'row' },
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => void patch(image, { alt: altInput.value.trim() }, 'Alt text saved.'),
            },
            'Save alt text',
          ),
          index > 0
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: () => void patch(image, { position: 0 }, 'Lead image changed.'),
                },
                'Make lead',
              )
            : null,
          index > 0
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'aria-label': `Move ${label} up`,
                  onclick: () => void patch(image, { position: index - 1 }, 'Image moved.'),
                },
                'Up',
              )
            : null,
          index < images.length - 1
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'aria-label': `Move ${label} down`,
                  onclick: () => void patch(image, { position: index + 1 }, 'Image moved.'),
                },
                'Down',
              )
            : null,
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `Remove ${label}`,
              onclick: () =>
                void changed(
                  api(`/api/drops/${drop.id}/images/${image.id}`, { method: 'DELETE' }),
                  'Image removed.',
                ),
            },
            'Remove',
          ),
        ),
      ),
    );
  };

  const uploadForm = () => {
    const fileId = `image-file-${drop.id}`;
    const altId = `image-alt-${drop.id}`;
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h(
        'label',
        { for: fileId },
        'Image file',
        h('input', { id: fileId, name: 'file', type: 'file', accept: ACCEPT }),
      ),
      h(
        'label',
        { for: altId },
        'Alt text (what the image shows, for those who cannot see it)',
        h('input', { id: altId, name: 'alt', maxlength: 300 }),
      ),
      h('div', {}, h('button', { type: 'submit' }, 'Upload image')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const file = data.get('file');
      if (!(file instanceof File) || file.size === 0)
        return void mount(status, alert('error', 'Choose an image file first.'));
      const alt = data.get('alt');
      if (typeof alt !== 'string' || !alt.trim())
        return void mount(status, alert('error', 'Describe the image in its alt text.'));
      void changed(uploadImage(drop.id, data), 'Image uploaded.');
    });
    return form;
  };

  const draw = () => {
    mount(list, ...images.map(row));
    list.hidden = images.length === 0;
    section.querySelector('form')?.remove();
    if (images.length < MAX_IMAGES) section.append(uploadForm());
  };
  draw();
  return section;
}

/** The shopper's view of a waiting room as the API and the socket `watch` ack give it. */
import type { QueueStatus, QueueView } from '../queue/index.js';
import type { AdmissionTokens } from './auth/admission.js';

export interface QueueStateJson {
  status: QueueStatus;
  position: number | null;
  ahead: number | null;
  queueLength: number;
  etaSeconds: number | null;
  /** Admission of the drop is paused by its operator. */
  paused: boolean;
  /** The operator's word to waiting shoppers while paused; null when none, and whenever admission runs. */
  pauseMessage: string | null;
  /** While admitted: the admission token for `X-Admission-Token` and when it expires. */
  admission?: { token: string; expiresAt: string };
}

export async function queueStateJson(
  view: QueueView,
  ids: { dropId: string; shopperId: string },
  admissionTokens: AdmissionTokens,
): Promise<QueueStateJson> {
  const json: QueueStateJson = {
    status: view.status,
    position: view.position,
    ahead: view.ahead,
    queueLength: view.queueLength,
    etaSeconds: view.etaSeconds,
    paused: view.paused,
    pauseMessage: view.pauseMessage,
  };
  if (view.status === 'admitted' && view.admissionEndsAt) {
    const expiresAt = view.admissionEndsAt;
    json.admission = {
      token: await admissionTokens.sign({ ...ids, expiresAt }),
      expiresAt: expiresAt.toISOString(),
    };
  }
  return json;
}

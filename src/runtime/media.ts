/** getUserMedia with messages a person can act on, for every way it fails. */
export class MediaAccessError extends Error {
  constructor(readonly kind: 'denied' | 'no-device' | 'busy' | 'insecure' | 'unsupported' | 'other', message: string) {
    super(message);
    this.name = 'MediaAccessError';
  }
}

export function describeMediaError(error: unknown): MediaAccessError {
  const name = (error as DOMException)?.name ?? '';
  switch (name) {
    case 'NotAllowedError': case 'PermissionDeniedError': case 'SecurityError':
      return new MediaAccessError('denied', 'Camera or microphone access was denied. Allow it in the browser\'s site settings, then press Start again.');
    case 'NotFoundError': case 'DevicesNotFoundError': case 'OverconstrainedError':
      return new MediaAccessError('no-device', 'No camera or microphone was found. Connect one, or use text only.');
    case 'NotReadableError': case 'TrackStartError': case 'AbortError':
      return new MediaAccessError('busy', 'The camera or microphone is busy or could not start (another app may be using it). Close it and try again.');
    default:
      return new MediaAccessError('other', `Could not open the camera or microphone: ${(error as Error)?.message ?? String(error)}`);
  }
}

export async function openMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
  if (!globalThis.isSecureContext) throw new MediaAccessError('insecure', 'Camera and microphone need a secure page (https or localhost).');
  if (!navigator.mediaDevices?.getUserMedia) throw new MediaAccessError('unsupported', 'This browser cannot capture camera or microphone (no mediaDevices.getUserMedia).');
  try { return await navigator.mediaDevices.getUserMedia(constraints); } catch (e) { throw describeMediaError(e); }
}

// Downloads of the server's files (reports, CSV): fetched with the bearer
// token, since a plain link cannot send it, then saved from a blob under the
// name the server gives in Content-Disposition.
import { getToken } from './auth';

/** The file name of a Content-Disposition header, or fallback. */
export function dispositionName(header: string | null, fallback: string): string {
  const m = header?.match(/filename="?([^";]+)"?/i);
  return m ? m[1] : fallback;
}

/** Fetches path and saves it; rejects with the server's error message. */
export async function downloadFile(path: string, fallback: string): Promise<void> {
  const token = getToken();
  const res = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) {
    let message = `download failed (${res.status})`;
    try {
      const body = (await res.json()) as { errors?: { message?: string }[] };
      message = body.errors?.[0]?.message ?? message;
    } catch {
      // not JSON: keep the status
    }
    throw new Error(message);
  }
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = dispositionName(res.headers.get('Content-Disposition'), fallback);
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

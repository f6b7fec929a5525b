/** Saves a JSON value as a file through the browser's download. */
export function downloadJson(filename: string, data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has been handled, or some browsers cancel the download.
  window.setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A name fit for a file: letters, digits, _ and -, the rest as single dashes. */
export function safeFileName(name: string, fallback: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '-') || fallback;
}

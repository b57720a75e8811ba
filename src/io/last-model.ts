/**
 * The model converted in this browser that was loaded last, remembered (localStorage) so the next visit loads
 * it again. Only OPFS models are remembered: they are always there and load with no network; the person can
 * stop it (forget).
 */
const KEY = 'rewatch-last-model';

/** The remembered OPFS model's name, or null. */
export function lastModel(): string | null {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return typeof value === 'object' && value !== null && 'converted' in value && typeof value.converted === 'string'
      ? value.converted
      : null;
  } catch {
    return null;
  }
}

export function rememberModel(name: string | null): void {
  if (name === null) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify({ converted: name }));
}

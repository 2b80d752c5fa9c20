/** Number formatting shared by every renderer (and the CLI's own lines). */

/** 21983 -> "21,983" (toLocaleString would load ICU data: tens of milliseconds at start-up). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * An attachment for the trace list during "Play trace": scrolls the step that is playing into view each time
 * playback moves to another one (only then: a reader scrolling while nothing plays is left alone).
 */
export function followPlayback(currentStep: () => number) {
  return (list: HTMLElement) => {
    const index = currentStep();
    if (index < 0) return;
    const step = list.querySelectorAll(':scope > [data-testid=trace-step]')[index];
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    step?.scrollIntoView({ block: 'nearest', behavior: still ? 'instant' : 'smooth' });
  };
}

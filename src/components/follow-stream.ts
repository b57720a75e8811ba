/**
 * An attachment for a list that grows while the model writes: keeps its newest item in view, but only
 * while the reader is at the end (someone who scrolled up to read is left alone).
 */
export function followStream(isStreaming: () => boolean) {
  return (list: HTMLElement) => {
    const observer = new MutationObserver(() => {
      const last = list.lastElementChild;
      if (!isStreaming() || !last) return;
      // "At the end": the newest item starts within a screen's reach of the viewport's bottom.
      if (last.getBoundingClientRect().top < window.innerHeight * 1.5) last.scrollIntoView({ block: 'nearest' });
    });
    observer.observe(list, { childList: true, subtree: true, characterData: true });
    return () => observer.disconnect();
  };
}

/**
 * Questions to try on the synthetic sample video (scripts/make-sample-video.ts draws its four scenes), in
 * ReWatch-R1's multiple-choice style: each has one right answer a viewer can check by eye.
 */

/** The shipped sample's file name (public/). */
export const SAMPLE_VIDEO_NAME = 'sample-video.mp4';

export interface ExampleQuestion {
  /** A short label for the suggestion. */
  label: string;
  /** What goes into the question box. */
  question: string;
}

export const EXAMPLE_QUESTIONS: readonly ExampleQuestion[] = [
  {
    label: 'Which square moves first?',
    question:
      'Which square moves across the screen at the start? A. a yellow one B. a red one C. a cyan one D. a white one',
  },
  {
    label: 'How many bounces?',
    question: 'How many times does the yellow square bounce? A. once B. twice C. three times D. it does not bounce',
  },
  {
    label: 'What happens at 00:12?',
    question:
      'What happens around 00:12? A. the screen turns black B. two squares cross C. a square falls D. the yellow square bounces',
  },
  {
    label: 'Where does the cyan square end?',
    question:
      'Where does the cyan square end up? A. at the top B. on the ground at the bottom C. off the left edge D. it disappears',
  },
  {
    label: 'Background colours in order',
    question: 'In what order do the background colours change during the video?',
  },
];

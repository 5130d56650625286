/** The gradient configurations one click away (issue 17's list). */
export interface Preset {
  id: string;
  label: string;
  d: 2 | 3;
  G: number[][];
  /** Why this configuration is interesting, shown as the button's title. */
  why: string;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'golden', label: 'golden J', d: 3, G: [[-4, 1, 1], [6, 1, 1]],
    why: "the reference libraries' test gradients J = [[-4, 1, 1], [6, 1, 1]] (docs/balancers.md pins every method's answer)",
  },
  {
    id: 'conflict', label: 'two conflicting', d: 2, G: [[2, 0.6], [-1.2, 1.5]],
    why: 'two tasks at an obtuse angle: every projection method has work to do',
  },
  {
    id: 'dominant', label: 'one dominant norm', d: 2, G: [[6, 1.2], [0.4, 1], [-0.7, 0.5]],
    why: 'one gradient ten times longer than the others: what eq. 5 (tau) and the normalising methods are for',
  },
  {
    id: 'collinear', label: 'near-collinear', d: 2, G: [[2, 0.1], [-1.6, -0.05], [1.2, 0.08]],
    why: 'three gradients within a few degrees of one line, two of them opposed: an ill-conditioned Gram matrix',
  },
  {
    id: 'wide', label: 'T > d', d: 2, G: [[1.5, 0], [0.4, 1.4], [-1.1, 0.6], [-0.7, -1], [0.9, -1.1]],
    why: 'five tasks in two dimensions: the conflict constraints cannot all be met at once',
  },
  {
    id: 'six', label: 'six tasks, 3-D', d: 3, G: [[1.2, 0.2, 0.1], [-0.5, 1.1, 0.3], [0.2, -0.4, 1.3], [-0.9, -0.3, 0.4], [0.4, 0.8, -0.9], [0.1, -1, -0.5]],
    why: 'the most tasks the page takes, spread over 3-D',
  },
];

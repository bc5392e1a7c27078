// Every limit a user can meet, in one place (issue 9). Each is counted in things the
// input has (levels, operators, lines, tensors, elements, rule applications, nodes),
// never in time, so the same input always gives the same output; each is named, with
// its value, in the located error that reports it. The README's "Limits" table lists them.

/** Brackets ( [ { inside one line or one LaTeX claim. */
export const MAX_NESTING = 100;
/** Characters of one `claim latex:` equation (the reader works per character and per factor). */
export const MAX_LATEX_CHARS = 4000;
/** Operators nested in one expression (after long sums and products are regrouped). */
export const MAX_EXPRESSION_DEPTH = 200;
/** Lines in one file (each is parsed on its own). */
export const MAX_LINES = 200_000;
/** Tensors (declared and defined, a layer call's included) in one file. */
export const MAX_TENSORS = 10_000;
/** Rule applications in one simplification. */
export const MAX_SIMPLIFY_STEPS = 20_000;
/** Nodes an expression may grow to while it is simplified. */
export const MAX_EXPRESSION_NODES = 50_000;
/** Elements of a tensor the numeric check evaluates at 64 digits (above: sizes skipped). */
export const MAX_CHECKED_ELEMENTS = 4096;
/** Digits of a number as written, and the size of its exponent (1e1000 is the largest power). */
export const MAX_NUMBER_DIGITS = 1000;
export const MAX_NUMBER_EXPONENT = 1000;
/** The size of an assumption's bound (`param a > 1e309` cannot be sampled next to). */
export const MAX_ASSUMPTION_BOUND = 1e15;
/** The size of an index-set bound at concrete sizes (`x[j - 1e309]` gives j a range past it). */
export const MAX_INDEX_BOUND = 1e15;
/** Elements of a gradient written out one by one in the elementwise form. */
export const MAX_WRITTEN_ELEMENTS = 8;
/** Nodes one written-out element may grow to: past it the elementwise form is left out,
 *  as for a tensor of more than 8 elements (a small CNN's filter gradient wrote out
 *  100 KB per element, unreadable, and took most of the time of deriving it). */
export const MAX_WRITTEN_NODES = 2000;

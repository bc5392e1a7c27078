// mathjs ships one UMD file for browsers (exported as `mathjs/lib/browser/math.js`)
// without a declaration of its own; it is the same default instance the package's
// types describe. src/numeric/mathjs.ts loads it for start-up time (see there).
declare module 'mathjs/lib/browser/math.js' {
  const math: typeof import('mathjs');
  export default math;
}

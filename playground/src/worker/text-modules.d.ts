// Data files imported as text (esbuild: `with { type: 'text' }`).
declare module '*.csv' {
  const text: string;
  export default text;
}

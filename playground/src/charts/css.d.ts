// CSS imported as text (esbuild: `with { type: 'text' }`).
declare module '*.css' {
  const text: string;
  export default text;
}

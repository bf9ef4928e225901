// Vite's `?worker&url` import of the capture worklet (vite/client declares the general form; this keeps
// `tsc` happy without depending on it). The value is the URL of the bundled worklet module.
declare module '*capture-worklet.ts?worker&url' {
  const url: string;
  export default url;
}

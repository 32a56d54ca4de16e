// Types of the files Vite imports by URL (`file?url`): the URL of the copy in the viewer's build.
declare module "*?url" {
  const url: string;
  export default url;
}

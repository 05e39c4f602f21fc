throw new Error('@napi-rs/canvas is not installed: pdf.js runs in the renderer only');

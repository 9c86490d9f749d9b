// Package web holds Precinct's browser user interface: the command console
// (综合指挥室, index.html), the big screen for the LED wall (大屏, screen.html)
// and the installable officer app for phones (民警端, app.html). The pages are
// plain HTML, CSS and JavaScript modules with no framework and no build step;
// they are embedded in the binary and call the JSON API under /api/v1.
//
// The files need nothing from the network but the Precinct server itself: no
// CDN, no web fonts and no map tiles (a tile URL template may be configured in
// the browser where a tile server exists).
package web

import (
	"embed"
	"io/fs"
)

//go:embed index.html screen.html app.html sw.js static
var files embed.FS

// Assets returns the UI files: index.html, screen.html, app.html and the
// officer app's service worker sw.js at the root, and the scripts, styles,
// icons and the web app manifest under static/.
//
// The HTTP server serves "/" as index.html, "/screen" as screen.html, "/app"
// as app.html and "/static/..." from static/. It should also serve "/sw.js":
// a service worker controls only the paths at or below its own, so only a
// worker at the root can answer for /app when the phone is offline. Where the
// server serves just "/static/...", the app registers /static/sw.js instead,
// which still caches the shell's scripts and styles.
func Assets() fs.FS { return files }

// Package web serves simgraph's browser app and its offline GraphQL
// playground from the built assets in dist/, embedded in the binary.
//
// dist/ is committed: `make web` (cd web && npm ci && npm run build)
// rebuilds it, byte for byte, and CI checks that it leaves no diff.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// Handler serves the single-page app: files from dist/, /playground from
// dist/playground/index.html, and index.html for every other path without a
// file extension (client routes such as /workbooks/123). Content-hashed
// files under /assets/ are cached for a year; HTML is revalidated on every
// load so a new build is picked up at once.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // cannot happen: the directory is embedded
	}
	return &handler{files: sub, cache: map[string]*asset{}}
}

type handler struct {
	files fs.FS
	mu    sync.Mutex
	cache map[string]*asset
}

// asset is one file, read once, with its ETag and (when worth it) a gzip
// variant.
type asset struct {
	name  string
	body  []byte
	etag  string
	ctype string
	gzip  []byte
}

const (
	immutable   = "public, max-age=31536000, immutable"
	revalidate  = "no-cache"
	shortLived  = "public, max-age=3600"
	indexFile   = "index.html"
	playground  = "playground/index.html"
	assetPrefix = "assets/"
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")

	// Server paths never fall back to the app.
	for _, prefix := range []string{"api/", "graphql", "healthz", "readyz", "metrics"} {
		if p == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(p, prefix) {
			http.NotFound(w, r)
			return
		}
	}

	var name, cache string
	switch {
	case p == "" || p == indexFile:
		name, cache = indexFile, revalidate
	case p == "playground" || p == "playground/" || p == playground:
		name, cache = playground, revalidate
	case strings.HasPrefix(p, assetPrefix):
		name, cache = p, immutable
	default:
		if a := h.load(p); a != nil && !strings.HasSuffix(p, "/") {
			name, cache = p, shortLived
			if strings.HasSuffix(p, ".html") {
				cache = revalidate
			}
		} else if path.Ext(p) == "" {
			// a client-side route
			name, cache = indexFile, revalidate
		} else {
			http.NotFound(w, r)
			return
		}
	}

	a := h.load(name)
	if a == nil {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", cache)
	hdr.Set("Content-Type", a.ctype)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	if strings.HasSuffix(name, ".html") {
		hdr.Set("X-Frame-Options", "DENY")
	}
	body, etag := a.body, a.etag
	if a.gzip != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = a.gzip, strings.TrimSuffix(a.etag, `"`)+`-gz"`
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// load returns the file at name, nil if there is none (or it is a directory).
func (h *handler) load(name string) *asset {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a, ok := h.cache[name]; ok {
		return a
	}
	body, err := fs.ReadFile(h.files, name)
	if err != nil {
		h.cache[name] = nil
		return nil
	}
	sum := sha256.Sum256(body)
	a := &asset{name: name, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	a.ctype = mime.TypeByExtension(path.Ext(name))
	if a.ctype == "" {
		a.ctype = http.DetectContentType(body)
	}
	if compressible(name) && len(body) > 1024 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body) {
			a.gzip = buf.Bytes()
		}
	}
	h.cache[name] = a
	return a
}

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".html", ".js", ".mjs", ".css", ".svg", ".json", ".ttf", ".txt", ".map":
		return true
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

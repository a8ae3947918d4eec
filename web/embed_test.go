package web

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func someAsset(t *testing.T, ext string) string {
	t.Helper()
	entries, err := fs.ReadDir(dist, "dist/assets")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ext) {
			return "/assets/" + e.Name()
		}
	}
	t.Fatalf("no %s asset in dist/assets", ext)
	return ""
}

func TestHandlerServesTheApp(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/", "/index.html", "/workbooks", "/workbooks/123", "/simulations/abc?x=1"} {
		rec := get(t, h, "GET", p, nil)
		if rec.Code != 200 {
			t.Fatalf("%s: status %d", p, rec.Code)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q", p, cc)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q", p, ct)
		}
		if !strings.Contains(rec.Body.String(), `<div id="root">`) {
			t.Errorf("%s: not the app's index.html", p)
		}
	}
}

func TestHandlerServesThePlayground(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/playground", "/playground/"} {
		rec := get(t, h, "GET", p, nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<div id="playground">`) {
			t.Fatalf("%s: status %d, body %.200s", p, rec.Code, rec.Body.String())
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q", p, cc)
		}
	}
}

func TestHandlerCachesHashedAssets(t *testing.T) {
	h := Handler()
	js := someAsset(t, ".js")
	rec := get(t, h, "GET", js, nil)
	if rec.Code != 200 {
		t.Fatalf("%s: status %d", js, rec.Code)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("Content-Type %q", ct)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if rec := get(t, h, "GET", js, map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", rec.Code)
	}
	gz := get(t, h, "GET", js, map[string]string{"Accept-Encoding": "gzip, br"})
	if gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", gz.Header())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != rec.Body.String() {
		t.Error("gzip body differs from the plain one")
	}
}

func TestHandlerNotFound(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/assets/missing-abc123.js", "/nope.js", "/api/dev/sign-in", "/api/", "/graphql", "/metrics"} {
		if rec := get(t, h, "GET", p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, rec.Code)
		}
	}
	if rec := get(t, h, "POST", "/workbooks", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
	if rec := get(t, h, "HEAD", "/", nil); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestHandlerRejectsTraversal(t *testing.T) {
	h := Handler()
	rec := get(t, h, "GET", "/../../embed.go", nil)
	if strings.Contains(rec.Body.String(), "package web") {
		t.Fatal("served a file outside dist")
	}
}

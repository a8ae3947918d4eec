package report

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/rest"
	"github.com/simgraph/simgraph/viewer"
)

// Prefix is where the downloads live: /api/simulations/{id}/report.xlsx,
// /summary.csv and /samples.csv.
const Prefix = "/api/simulations/"

// Paths of a simulation's downloads, as the GraphQL API gives them.
func ReportPath(id string) string     { return Prefix + id + "/report.xlsx" }
func SummaryCSVPath(id string) string { return Prefix + id + "/summary.csv" }
func SamplesCSVPath(id string) string { return Prefix + id + "/samples.csv" }

// Handler serves the downloads. It expects the viewer in the request
// context (the server's authentication middleware); errors have the
// GraphQL shape, with extensions.code and the code's HTTP status.
func (s *Service) Handler(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	// prepare refuses or returns what writes the body; a refusal is
	// answered in full, a body is streamed.
	serve := func(file, contentType string, prepare func(r *http.Request, rep *Report) (func(io.Writer) error, error)) {
		mux.HandleFunc("GET "+Prefix+"{id}/"+file, func(w http.ResponseWriter, r *http.Request) {
			if viewer.FromContext(r.Context()) == nil {
				rest.WriteError(w, apperr.Errorf(apperr.Unauthenticated, "sign in: send a bearer token in the Authorization header"))
				return
			}
			id := r.PathValue("id")
			rep, err := s.Load(r.Context(), id)
			var write func(io.Writer) error
			if err == nil {
				write, err = prepare(r, rep)
			}
			if err != nil {
				if apperr.CodeOf(err) == apperr.Internal {
					log.ErrorContext(r.Context(), "writing a download", "path", r.URL.Path, "err", err)
				}
				rest.WriteError(w, err)
				return
			}
			w.Header().Set("Content-Type", contentType)
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName(rep, file)}))
			if err := write(w); err != nil {
				// The status is sent: the client sees a cut body.
				log.WarnContext(r.Context(), "download interrupted", "path", r.URL.Path, "err", err)
			}
		})
	}
	serve("report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffered(WriteXLSX))
	serve("summary.csv", "text/csv; charset=utf-8", buffered(WriteSummaryCSV))
	serve("samples.csv", "text/csv; charset=utf-8", func(r *http.Request, rep *Report) (func(io.Writer) error, error) {
		return s.SamplesCSV(r.Context(), rep)
	})
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		rest.WriteError(w, apperr.Errorf(apperr.NotFound, "no download %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// buffered writes a small file in memory first, so that a failure is
// answered as an error rather than as a cut body.
func buffered(write func(io.Writer, *Report) error) func(*http.Request, *Report) (func(io.Writer) error, error) {
	return func(_ *http.Request, rep *Report) (func(io.Writer) error, error) {
		var body bytes.Buffer
		if err := write(&body, rep); err != nil {
			return nil, err
		}
		return func(w io.Writer) error { _, err := w.Write(body.Bytes()); return err }, nil
	}
}

// fileName is "<simulation name or ID>-<file>", safe in a header.
func fileName(rep *Report, file string) string {
	base := rep.Simulation.Name
	if base == "" {
		base = rep.Simulation.ID.String()
	}
	base = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`"\/:*?<>|`, r) {
			return '_'
		}
		return r
	}, base)
	return fmt.Sprintf("%s-%s", truncate(base, 80), file)
}

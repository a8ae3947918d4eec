package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/auth"
	"github.com/simgraph/simgraph/server/config"
	"github.com/simgraph/simgraph/server/servertest"
)

// download GETs path with token ("" for none) and returns the status, the
// Content-Type and the body.
func download(t *testing.T, s *servertest.Server, token, path string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header.Get("Content-Type"), body
}

func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.NotEmpty(t, e.Errors, string(body))
	return e.Errors[0].Extensions.Code
}

// TestReportDownloads runs a simulation that keeps its samples and checks
// its downloads against the API: the .xlsx report (sheets, native charts,
// statistics and percentiles equal to the API's, the output cell's number
// format), the summary CSV, and the samples CSV, whose inputs are the
// run's own draws (the output B3 = B1*B2 is recomputed from them). Another
// tenant gets NOT_FOUND, no token UNAUTHENTICATED, a simulation without
// samples BAD_USER_INPUT for the samples and a null samplesCsvUrl.
func TestReportDownloads(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, cfg func(testing.TB) *config.Config) {
		c := cfg(t)
		c.Workers = 1
		s := servertest.Start(t, c)
		token := s.Token(t, auth.TokenParams{Email: "analyst@reports.example", Org: "reports"})
		wb := s.UploadID(t, token, "labelled.xlsx", formattedWorkbook(t))
		input := func(keep bool) map[string]any {
			return map[string]any{
				"workbookId": wb, "iterations": 3000, "seed": 11, "sampling": "LATIN_HYPERCUBE", "keepSamples": keep,
				"name": "Revenue / plan",
				"inputs": []map[string]any{
					{"cell": "Model!B1", "distribution": map[string]any{"type": "NORMAL", "mean": 10, "stdDev": 1}},
					{"cell": "Model!B2", "distribution": map[string]any{"type": "TRIANGULAR", "min": 80, "mode": 100, "max": 130}},
				},
				"outputs":      []string{"Model!B3", "Model!D2"},
				"correlations": []map[string]any{{"cellA": "Model!B1", "cellB": "Model!B2", "coefficient": -0.5}},
			}
		}
		kept := createSimulation(t, s, token, input(true))
		plain := createSimulation(t, s, token, input(false))
		waitCompleted(t, s, token, []string{kept, plain})

		var got struct {
			Simulation struct {
				ReportURL, SummaryCsvURL string
				SamplesCsvURL            *string
				Results                  []struct {
					Cell, Name             string
					Iterations             int
					Mean, StdDev, Min, Max float64
					Percentiles            []struct{ P, Value float64 }
				}
			}
		}
		q := `query($id: ID!) { simulation(id: $id) { reportUrl summaryCsvUrl samplesCsvUrl
			results { cell name iterations mean stdDev min max percentiles { p value } } } }`
		s.Query(t, token, q, map[string]any{"id": kept}).Decode(t, &got)
		sim := got.Simulation
		require.Equal(t, "/api/simulations/"+kept+"/report.xlsx", sim.ReportURL)
		require.NotNil(t, sim.SamplesCsvURL)

		// The report.
		status, typ, body := download(t, s, token, sim.ReportURL)
		require.Equal(t, http.StatusOK, status, string(body))
		require.Contains(t, typ, "spreadsheetml")
		x, err := excelize.OpenReader(bytes.NewReader(body))
		require.NoError(t, err)
		defer x.Close()
		require.Equal(t, []string{"Summary", "Revenue", "Margin", "Sensitivity", "Inputs"}, x.GetSheetList(), "no Scenarios sheet without scenarios")
		charts := 0
		zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
		require.NoError(t, err)
		histograms := 0
		for _, f := range zr.File {
			if !strings.HasPrefix(f.Name, "xl/charts/chart") {
				continue
			}
			charts++
			rc, err := f.Open()
			require.NoError(t, err)
			xml, err := io.ReadAll(rc)
			require.NoError(t, err)
			rc.Close()
			if strings.Contains(string(xml), ": histogram<") {
				histograms++
				require.Contains(t, string(xml), "!$E$", "the histogram charts the probability column, not the counts")
				require.NotContains(t, string(xml), "!$D$")
			}
		}
		require.Equal(t, 2*2+2, charts, "a histogram and a CDF per output, a tornado per output")
		require.Equal(t, 2, histograms)
		summary, err := x.GetRows("Summary", excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		facts := map[string]string{}
		for _, r := range summary {
			if len(r) >= 2 {
				facts[r[0]] = r[1]
			}
		}
		require.Equal(t, "11", facts["Seed"])
		require.NotEmpty(t, facts["Engine version"])
		require.Equal(t, "3000", facts["Iterations run"])
		for _, sheet := range []string{"Sensitivity", "Inputs"} {
			rows, err := x.GetRows(sheet)
			require.NoError(t, err)
			text := fmt.Sprint(rows)
			require.Contains(t, text, "Price", "%s names the inputs", sheet)
			require.Contains(t, text, "Units", "%s names the inputs", sheet)
		}
		// The histogram's table: frequencies that sum to 1.
		rev, err := x.GetRows("Revenue", excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		freq := 0.0
		inBins := false
		for _, r := range rev {
			if len(r) > 0 && r[0] == "Bin lower" {
				require.Equal(t, []string{"Bin lower", "Bin upper", "Midpoint", "Count", "Frequency", "Cumulative"}, r[:6])
				inBins = true
				continue
			}
			if inBins && len(r) >= 6 && r[0] != "" {
				freq += parse(t, r[4])
			}
		}
		require.InDelta(t, 1, freq, 1e-9)
		for _, res := range sim.Results {
			rows, err := x.GetRows(res.Name, excelize.Options{RawCellValue: true})
			require.NoError(t, err)
			values := map[string]string{}
			for _, r := range rows {
				if len(r) >= 2 {
					values[r[0]] = r[1]
				}
			}
			requireNumber(t, res.Mean, values["Mean"], res.Cell+" mean")
			requireNumber(t, res.StdDev, values["Std dev"], res.Cell+" std dev")
			requireNumber(t, float64(res.Iterations), values["Iterations"], res.Cell+" iterations")
			for _, p := range res.Percentiles {
				requireNumber(t, p.Value, values["P"+strconv.FormatFloat(p.P, 'g', -1, 64)], res.Cell+" percentile")
			}
		}
		// B3 is formatted "#,##0.00" in the workbook, and so is its mean.
		style, err := x.GetCellStyle("Revenue", "B5")
		require.NoError(t, err)
		st, err := x.GetStyle(style)
		require.NoError(t, err)
		require.Equal(t, 4, st.NumFmt, "the output cell's number format")

		// The summary CSV.
		status, _, body = download(t, s, token, sim.SummaryCsvURL)
		require.Equal(t, http.StatusOK, status, string(body))
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		require.NoError(t, err)
		require.Len(t, rows, 3)
		require.Equal(t, []string{"output", "cell", "iterations", "mean"}, rows[0][:4])
		requireNumber(t, sim.Results[0].Mean, rows[1][3], "summary mean")

		// The samples CSV: the inputs are the run's draws.
		status, _, body = download(t, s, token, *sim.SamplesCsvURL)
		require.Equal(t, http.StatusOK, status, string(body))
		rows, err = csv.NewReader(bytes.NewReader(body)).ReadAll()
		require.NoError(t, err)
		require.Len(t, rows, 3001)
		require.Equal(t, []string{"iteration", "Price (Model!B1)", "Units (Model!B2)", "Revenue (Model!B3)", "Margin (Model!D2)"}, rows[0])
		sum := 0.0
		for _, r := range rows[1:] {
			price, units, revenue := parse(t, r[1]), parse(t, r[2]), parse(t, r[3])
			require.InDelta(t, price*units, revenue, 1e-9*max(1, revenue), "iteration %s", r[0])
			sum += revenue
		}
		require.InDelta(t, sim.Results[0].Mean, sum/3000, 1e-9*sim.Results[0].Mean)

		// Refusals.
		var plainGot struct {
			Simulation struct{ SamplesCsvURL *string }
		}
		s.Query(t, token, `query($id: ID!) { simulation(id: $id) { samplesCsvUrl } }`, map[string]any{"id": plain}).Decode(t, &plainGot)
		require.Nil(t, plainGot.Simulation.SamplesCsvURL)
		other := s.Token(t, auth.TokenParams{Email: "someone@else.example", Org: "else"})
		for _, tc := range []struct {
			name, token, path string
			status            int
			code              string
		}{
			{"no samples kept", token, "/api/simulations/" + plain + "/samples.csv", http.StatusBadRequest, "BAD_USER_INPUT"},
			{"other tenant's report", other, sim.ReportURL, http.StatusNotFound, "NOT_FOUND"},
			{"other tenant's samples", other, *sim.SamplesCsvURL, http.StatusNotFound, "NOT_FOUND"},
			{"other tenant's summary", other, sim.SummaryCsvURL, http.StatusNotFound, "NOT_FOUND"},
			{"no token", "", sim.ReportURL, http.StatusUnauthorized, "UNAUTHENTICATED"},
			{"bad token", "not-a-token", sim.ReportURL, http.StatusUnauthorized, "UNAUTHENTICATED"},
			{"malformed id", token, "/api/simulations/nope/report.xlsx", http.StatusNotFound, "NOT_FOUND"},
			{"no such file", token, "/api/simulations/" + kept + "/other.txt", http.StatusNotFound, "NOT_FOUND"},
		} {
			status, _, body := download(t, s, tc.token, tc.path)
			require.Equal(t, tc.status, status, "%s: %s", tc.name, body)
			require.Equal(t, tc.code, errorCode(t, body), tc.name)
			require.NotContains(t, string(body), "Revenue", "%s leaks nothing of the simulation", tc.name)
		}
	})
}

// formattedWorkbook is labelledWorkbook with B3 formatted "#,##0.00".
func formattedWorkbook(t *testing.T) []byte {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(labelledWorkbook(t)))
	require.NoError(t, err)
	defer x.Close()
	style, err := x.NewStyle(&excelize.Style{NumFmt: 4})
	require.NoError(t, err)
	require.NoError(t, x.SetCellStyle("Model", "B3", "B3", style))
	buf, err := x.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, s)
	return v
}

// requireNumber checks that a report's cell holds want, to the digits a
// cell keeps.
func requireNumber(t *testing.T, want float64, cell, what string) {
	t.Helper()
	require.NotEmpty(t, cell, what)
	require.InDelta(t, want, parse(t, cell), 1e-12*max(1, abs(want)), what)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/simgraph/simgraph/server/auth"
)

// client talks GraphQL to the replicas, as one user of one organization.
type client struct {
	token string
	http  *http.Client
}

func newClient(secret string) (*client, error) {
	token, err := auth.Mint([]byte(secret), "simgraph", "simgraph",
		auth.ClaimNames{Email: "email", Org: "org", OrgName: "org_name", Roles: "roles"},
		auth.TokenParams{Email: "faults@harness.example", Org: "faults", TTL: 6 * time.Hour})
	if err != nil {
		return nil, err
	}
	return &client{token: token, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// graphQLError is an error answer of the API.
type graphQLError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

func (e graphQLError) Error() string { return e.Extensions.Code + ": " + e.Message }

// post sends one GraphQL request and decodes its data into out; an answer
// with errors returns the first as a graphQLError.
func (c *client) post(url, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var answer struct {
		Data   json.RawMessage `json:"data"`
		Errors []graphQLError  `json:"errors"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		return fmt.Errorf("HTTP %d, not GraphQL: %.200s", resp.StatusCode, b)
	}
	if len(answer.Errors) > 0 {
		return answer.Errors[0]
	}
	return json.Unmarshal(answer.Data, out)
}

// upload stores the workbook and returns its ID.
func (c *client) upload(url string, workbook []byte) (string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadWorkbook(file: $f) { id } }","variables":{"f":null}}`)
	_ = w.WriteField("map", `{"0":["variables.f"]}`)
	part, err := w.CreateFormFile("0", "faults.xlsx")
	if err != nil {
		return "", err
	}
	_, _ = part.Write(workbook)
	_ = w.Close()
	var out struct {
		UploadWorkbook struct{ ID string } `json:"uploadWorkbook"`
	}
	if err := c.post(url, w.FormDataContentType(), &body, &out); err != nil {
		return "", err
	}
	return out.UploadWorkbook.ID, nil
}

// createSimulation queues a run of the harness workbook.
func (c *client) createSimulation(url, workbookID string, iterations int, seed int64) (string, error) {
	q, _ := json.Marshal(map[string]any{
		"query": `mutation($in: SimulationInput!) { createSimulation(input: $in) { id } }`,
		"variables": map[string]any{"in": map[string]any{
			"workbookId": workbookID, "iterations": iterations, "seed": seed, "outputs": []string{"Model!B1", "Model!B2"},
			"inputs": []map[string]any{
				{"cell": "Model!A1", "distribution": map[string]any{"type": "NORMAL", "mean": 100, "stdDev": 10}},
				{"cell": "Model!A2", "distribution": map[string]any{"type": "TRIANGULAR", "min": 0.01, "mode": 0.03, "max": 0.08}},
				{"cell": "Model!A3", "distribution": map[string]any{"type": "UNIFORM", "min": 1, "max": 2}},
			},
		}},
	})
	var out struct {
		CreateSimulation struct{ ID string } `json:"createSimulation"`
	}
	if err := c.post(url, "application/json", bytes.NewReader(q), &out); err != nil {
		return "", err
	}
	return out.CreateSimulation.ID, nil
}

// harnessWorkbook is a model with three inputs and two outputs over a
// chain of formulas long enough that a run lasts seconds, so that faults
// land while simulations run.
func harnessWorkbook(chain int) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Model"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	set := func(cell string, v any) error { return f.SetCellValue(sheet, cell, v) }
	for cell, v := range map[string]float64{"A1": 100, "A2": 0.03, "A3": 1.5} {
		if err := set(cell, v); err != nil {
			return nil, err
		}
	}
	// C1..Cn: a value growing at the rate A2 with a shock scaled by A3.
	if err := f.SetCellFormula(sheet, "C1", "A1"); err != nil {
		return nil, err
	}
	for i := 2; i <= chain; i++ {
		formula := fmt.Sprintf("C%d*(1+A2)+SQRT(A3)*LN(1+C%d/A1)", i-1, i-1)
		if err := f.SetCellFormula(sheet, fmt.Sprintf("C%d", i), formula); err != nil {
			return nil, err
		}
	}
	if err := f.SetCellFormula(sheet, "B1", fmt.Sprintf("C%d", chain)); err != nil {
		return nil, err
	}
	if err := f.SetCellFormula(sheet, "B2", fmt.Sprintf("C%d/A1-1", chain)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

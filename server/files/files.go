// Package files is the file service: it validates, stores and serves
// uploaded workbooks, and parses them for the grid view and for runs.
package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/simgraph/simgraph/engine/formula"
	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/workbook"
	"github.com/simgraph/simgraph/ent"
	entworkbook "github.com/simgraph/simgraph/ent/workbook"
	"github.com/simgraph/simgraph/server/apperr"
	"github.com/simgraph/simgraph/server/events"
	"github.com/simgraph/simgraph/viewer"
)

// ServiceName is the file service's database.
const ServiceName = "file"

// Clients returns the ent client of a service for the tenant in ctx.
type Clients func(ctx context.Context, service string) (*ent.Client, error)

// QuotaFunc checks whether the viewer's organization may store size more
// bytes; it returns a QUOTA_EXCEEDED error when not. On success it returns
// release, which Upload calls once the workbook is stored (or was not): the
// check and the insert are one atomic step.
type QuotaFunc func(ctx context.Context, size int64) (release func(), err error)

// Service stores and parses workbooks.
type Service struct {
	Clients Clients
	Limits  workbook.Limits
	// MaxUploadBytes is the platform's cap; tier quotas apply below it.
	MaxUploadBytes int64
	// CheckQuota, if set, is asked before anything is stored.
	CheckQuota QuotaFunc
	// Outbox, if set, receives file.uploaded and file.deleted in the
	// transaction of the change; OnCommit runs after such a transaction
	// commits (it wakes the relay).
	Outbox   events.WriteFunc
	OnCommit func()

	parsed *lru.Cache[string, *workbook.Workbook]
	// detections are the in-cell models of workbooks, by ID and content
	// hash; parsing and detecting are each done once at a time per key.
	detections *lru.Cache[string, incell.Detected]
	flight     singleflight.Group
	parses     atomic.Int64
	detects    atomic.Int64
}

// New returns a file service keeping up to cacheSize parsed workbooks.
func New(clients Clients, maxUpload int64, cacheSize int) *Service {
	c, _ := lru.New[string, *workbook.Workbook](max(cacheSize, 1))
	d, _ := lru.New[string, incell.Detected](max(cacheSize, 1))
	return &Service{Clients: clients, Limits: workbook.DefaultLimits(), MaxUploadBytes: maxUpload, parsed: c, detections: d}
}

// Upload is a file as received.
type Upload struct {
	Filename string
	Size     int64
	Content  io.Reader
}

// Analysis is what import found in a workbook.
type Analysis struct {
	Sheets      []string
	Formulas    int
	Unsupported map[string]int
}

// Analyze reports sheets, formula count and unsupported functions. A
// formula that does not parse counts as unsupported under "#PARSE". The
// @RISK and ModelRisk functions the engine reads as a model (engine/incell)
// are not unsupported; the workbook's detectionProblems say where they
// cannot be.
func Analyze(wb *workbook.Workbook) Analysis {
	a := Analysis{Unsupported: map[string]int{}}
	// a call of a defined name holding a LAMBDA (=MyFn(2)) is no unknown
	// function
	names := map[string]bool{}
	for _, n := range wb.Names {
		names[strings.ToUpper(n.Name)] = true
	}
	defined := func(name string) bool { return names[name] }
	for _, sh := range wb.Sheets {
		a.Sheets = append(a.Sheets, sh.Name)
		for _, c := range sh.Cells {
			if c.Formula == "" {
				continue
			}
			a.Formulas++
			node, err := formula.Parse(c.Formula)
			if err != nil {
				a.Unsupported["#PARSE"]++
				continue
			}
			for _, name := range formula.UnsupportedCalls(node, defined) {
				if !incell.Recognised(name) {
					a.Unsupported[name]++
				}
			}
		}
	}
	return a
}

// Upload validates and stores a workbook. Nothing is stored unless the file
// parses within the limits.
func (s *Service) Upload(ctx context.Context, up Upload) (*ent.Workbook, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, apperr.Errorf(apperr.Unauthenticated, "sign in to upload")
	}
	name := cleanName(up.Filename)
	if !strings.EqualFold(path.Ext(name), ".xlsx") {
		return nil, apperr.Errorf(apperr.BadUserInput, "%q is not an .xlsx workbook", name)
	}
	if up.Size > s.MaxUploadBytes {
		return nil, apperr.Errorf(apperr.BadUserInput, "the file is %d bytes; the limit is %d", up.Size, s.MaxUploadBytes)
	}
	if s.CheckQuota != nil {
		release, err := s.CheckQuota(ctx, up.Size)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	content, err := io.ReadAll(io.LimitReader(up.Content, s.MaxUploadBytes+1))
	if err != nil {
		return nil, apperr.Wrap(apperr.BadUserInput, err, "the upload could not be read")
	}
	if int64(len(content)) > s.MaxUploadBytes {
		return nil, apperr.Errorf(apperr.BadUserInput, "the file exceeds the upload limit of %d bytes", s.MaxUploadBytes)
	}
	wb, err := workbook.Open(bytes.NewReader(content), int64(len(content)), s.Limits)
	if err != nil {
		return nil, badWorkbook(err)
	}
	a := Analyze(wb)
	sum := sha256.Sum256(content)
	client, err := s.Clients(ctx, ServiceName)
	if err != nil {
		return nil, err
	}
	var created *ent.Workbook
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		var err error
		created, err = tx.Workbook.Create().
			SetName(name).
			SetSize(int64(len(content))).
			SetSha256(hex.EncodeToString(sum[:])).
			SetContent(content).
			SetSheets(a.Sheets).
			SetFormulaCount(a.Formulas).
			SetUnsupportedFunctions(a.Unsupported).
			SetUploadedBy(v.UserID).
			Save(ctx)
		if err != nil {
			return err
		}
		return s.emit(ctx, tx, events.FileUploaded, created)
	})
	if err != nil {
		return nil, fmt.Errorf("storing workbook: %w", err)
	}
	created = created.Unwrap()
	s.parsed.Add(created.Sha256, wb)
	return created, nil
}

// badWorkbook explains why a file was refused, without internals.
func badWorkbook(err error) error {
	switch {
	case errors.Is(err, workbook.ErrLimitExceeded):
		return apperr.Wrap(apperr.BadUserInput, err, "the workbook exceeds a safety limit: "+err.Error())
	case errors.Is(err, workbook.ErrInvalidWorkbook):
		return apperr.Wrap(apperr.BadUserInput, err, "not a valid .xlsx workbook: "+err.Error())
	}
	return apperr.Wrap(apperr.BadUserInput, err, "the workbook could not be read")
}

func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return "workbook.xlsx"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name
}

// Get returns one of the viewer's workbooks; another tenant's is NOT_FOUND.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*ent.Workbook, error) {
	client, err := s.Clients(ctx, ServiceName)
	if err != nil {
		return nil, err
	}
	wb, err := client.Workbook.Query().Where(entworkbook.ID(id)).Select(metadataFields...).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.Errorf(apperr.NotFound, "workbook %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading workbook: %w", err)
	}
	return wb, nil
}

// metadataFields are every column but the content, which lists and lookups
// do not need.
var metadataFields = []string{
	entworkbook.FieldID, entworkbook.FieldTenantID, entworkbook.FieldName, entworkbook.FieldSize,
	entworkbook.FieldSha256, entworkbook.FieldSheets, entworkbook.FieldFormulaCount,
	entworkbook.FieldUnsupportedFunctions, entworkbook.FieldUploadedBy, entworkbook.FieldCreatedAt,
}

// List pages through the viewer's workbooks, newest first.
func (s *Service) List(ctx context.Context, first *int, after *ent.Cursor) (*ent.WorkbookConnection, error) {
	client, err := s.Clients(ctx, ServiceName)
	if err != nil {
		return nil, err
	}
	return client.Workbook.Query().Select(metadataFields...).Paginate(ctx, after, clampFirst(first), nil, nil,
		ent.WithWorkbookOrder(&ent.WorkbookOrder{Direction: "DESC", Field: ent.WorkbookOrderFieldCreatedAt}))
}

func clampFirst(first *int) *int {
	n := 20
	if first != nil {
		n = min(max(*first, 0), 100)
	}
	return &n
}

// Delete removes one of the viewer's workbooks.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	client, err := s.Clients(ctx, ServiceName)
	if err != nil {
		return err
	}
	var n int
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		wb, err := tx.Workbook.Query().Where(entworkbook.ID(id)).Select(metadataFields...).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !viewer.FromContext(ctx).MayChange(wb.UploadedBy) {
			return mayNotChange(wb)
		}
		if n, err = tx.Workbook.Delete().Where(entworkbook.ID(id)).Exec(ctx); err != nil || n == 0 {
			return err
		}
		return s.emit(ctx, tx, events.FileDeleted, wb)
	})
	if apperr.CodeOf(err) == apperr.Forbidden {
		return err
	}
	if err != nil {
		return fmt.Errorf("deleting workbook: %w", err)
	}
	if n == 0 {
		return apperr.Errorf(apperr.NotFound, "workbook %s not found", id)
	}
	return nil
}

// Rename changes the name of one of the viewer's workbooks; only its
// uploader and organization administrators may.
func (s *Service) Rename(ctx context.Context, id uuid.UUID, name string) (*ent.Workbook, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 255 {
		return nil, apperr.Errorf(apperr.BadUserInput, "a workbook name has 1 to 255 characters")
	}
	client, err := s.Clients(ctx, ServiceName)
	if err != nil {
		return nil, err
	}
	err = s.inTx(ctx, client, func(tx *ent.Tx) error {
		wb, err := tx.Workbook.Query().Where(entworkbook.ID(id)).Select(metadataFields...).Only(ctx)
		if ent.IsNotFound(err) {
			return apperr.Errorf(apperr.NotFound, "workbook %s not found", id)
		}
		if err != nil {
			return err
		}
		if !viewer.FromContext(ctx).MayChange(wb.UploadedBy) {
			return mayNotChange(wb)
		}
		if err := tx.Workbook.UpdateOneID(id).SetName(name).Exec(ctx); err != nil {
			return err
		}
		wb.Name = name
		return s.emit(ctx, tx, events.FileRenamed, wb)
	})
	if code := apperr.CodeOf(err); code == apperr.NotFound || code == apperr.Forbidden {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("renaming workbook: %w", err)
	}
	return s.Get(ctx, id)
}

func mayNotChange(wb *ent.Workbook) error {
	return apperr.Errorf(apperr.Forbidden, "only the workbook's uploader or an organization administrator may change or delete workbook %q", wb.Name)
}

// inTx runs f in a transaction on client and, once it has committed, tells
// the outbox relay (OnCommit).
func (s *Service) inTx(ctx context.Context, client *ent.Client, f func(tx *ent.Tx) error) error {
	tx, err := client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if s.OnCommit != nil {
		s.OnCommit()
	}
	return nil
}

// emit writes a file event to the file service's outbox in tx.
func (s *Service) emit(ctx context.Context, tx *ent.Tx, typ string, wb *ent.Workbook) error {
	if s.Outbox == nil {
		return nil
	}
	e := events.New(typ, events.FilePayload{WorkbookID: wb.ID.String(), Name: wb.Name, Size: wb.Size})
	e.TenantID, e.UserID, e.SubjectID = wb.TenantID, wb.UploadedBy.String(), wb.ID.String()
	if v := viewer.FromContext(ctx); v != nil {
		e.OrganizationID, e.UserID, e.Actor = v.OrganizationID.String(), v.UserID.String(), v.Actor()
	}
	return s.Outbox(ctx, tx.Client(), e)
}

// Parsed returns the parsed workbook of one of the viewer's workbooks.
// Parsed workbooks are immutable and cached by content hash.
func (s *Service) Parsed(ctx context.Context, id uuid.UUID) (*workbook.Workbook, *ent.Workbook, error) {
	meta, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	wb, err := s.ParsedOf(ctx, meta)
	if err != nil {
		return nil, nil, err
	}
	return wb, meta, nil
}

// Content returns one of the viewer's workbooks with its bytes.
func (s *Service) Content(ctx context.Context, id uuid.UUID) (*ent.Workbook, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err // NOT_FOUND for another tenant's, as everywhere
	}
	client, err := s.Clients(ctx, ServiceName)
	if err != nil {
		return nil, err
	}
	full, err := client.Workbook.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reading workbook content: %w", err)
	}
	return full, nil
}

// SortedFunctions returns function counts by descending count, then name.
func SortedFunctions(m map[string]int) []FunctionCount {
	out := make([]FunctionCount, 0, len(m))
	for k, v := range m {
		out = append(out, FunctionCount{Name: k, Count: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// FunctionCount is a function name and how often it is used.
type FunctionCount struct {
	Name  string
	Count int
}

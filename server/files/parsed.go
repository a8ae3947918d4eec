package files

import (
	"bytes"
	"context"
	"fmt"

	"github.com/simgraph/simgraph/engine/incell"
	"github.com/simgraph/simgraph/engine/workbook"
	"github.com/simgraph/simgraph/ent"
)

// ParseStats counts the parses and in-cell detections the service has done
// (not the cache hits), for the tests that check a query parses once.
type ParseStats struct {
	Parses, Detections int64
}

// Stats returns the counts so far.
func (s *Service) Stats() ParseStats {
	return ParseStats{Parses: s.parses.Load(), Detections: s.detects.Load()}
}

// ForgetParsed empties the caches of parsed workbooks and detections, as
// a restarted server has them.
func (s *Service) ForgetParsed() {
	s.parsed.Purge()
	s.detections.Purge()
}

// ParsedOf returns the parsed workbook of meta, a workbook the viewer has
// already read. Of concurrent callers for the same content (a query's
// field resolvers run concurrently), one reads and parses; the others wait
// for its result. The content is read in one query whose connection is
// back in the pool before parsing starts, so that slow parses never hold
// database connections.
func (s *Service) ParsedOf(ctx context.Context, meta *ent.Workbook) (*workbook.Workbook, error) {
	if wb, ok := s.parsed.Get(meta.Sha256); ok {
		return wb, nil
	}
	v, err, _ := s.flight.Do("parse:"+meta.Sha256, func() (any, error) {
		if wb, ok := s.parsed.Get(meta.Sha256); ok {
			return wb, nil
		}
		content, err := s.content(ctx, meta)
		if err != nil {
			return nil, err
		}
		s.parses.Add(1)
		wb, err := workbook.Open(bytes.NewReader(content), int64(len(content)), s.Limits)
		if err != nil {
			return nil, fmt.Errorf("parsing stored workbook %s: %w", meta.ID, err)
		}
		s.parsed.Add(meta.Sha256, wb)
		return wb, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*workbook.Workbook), nil
}

// Detected returns the in-cell model (RiskNormal inputs, RiskOutput
// outputs, correlations, scenarios) of meta, a workbook the viewer has
// already read, detected once per workbook and content.
func (s *Service) Detected(ctx context.Context, meta *ent.Workbook) (incell.Detected, error) {
	key := meta.ID.String() + ":" + meta.Sha256
	if d, ok := s.detections.Get(key); ok {
		return d, nil
	}
	v, err, _ := s.flight.Do("detect:"+key, func() (any, error) {
		if d, ok := s.detections.Get(key); ok {
			return d, nil
		}
		wb, err := s.ParsedOf(ctx, meta)
		if err != nil {
			return incell.Detected{}, err
		}
		s.detects.Add(1)
		d, err := incell.Detect(wb)
		if err != nil {
			return incell.Detected{}, err
		}
		s.detections.Add(key, d)
		return d, nil
	})
	if err != nil {
		return incell.Detected{}, err
	}
	return v.(incell.Detected), nil
}

// content reads the bytes of meta in one query.
func (s *Service) content(ctx context.Context, meta *ent.Workbook) ([]byte, error) {
	client, err := s.Clients(ctx, ServiceName)
	if err != nil {
		return nil, err
	}
	full, err := client.Workbook.Get(ctx, meta.ID)
	if err != nil {
		return nil, fmt.Errorf("reading workbook content: %w", err)
	}
	return full.Content, nil
}

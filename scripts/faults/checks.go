package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	serverevents "github.com/simgraph/simgraph/server/events"
)

// databases are the service databases the checks read, connected as the
// cluster's superuser (which row-level security does not restrict).
type databases struct {
	simulations, results, billing, analytics *sql.DB
}

func openDatabases(pg *postgres, prefix string) (*databases, error) {
	open := func(name string) (*sql.DB, error) {
		db, err := sql.Open("pgx", pg.URL(prefix+name))
		if err == nil {
			db.SetMaxOpenConns(2)
		}
		return db, err
	}
	var d databases
	var err error
	for _, t := range []struct {
		db   **sql.DB
		name string
	}{{&d.simulations, "simulation_db"}, {&d.results, "results_db"}, {&d.billing, "billing_db"}, {&d.analytics, "analytics_db"}} {
		if *t.db, err = open(t.name); err != nil {
			return nil, err
		}
	}
	return &d, nil
}

func (d *databases) close() {
	for _, db := range []*sql.DB{d.simulations, d.results, d.billing, d.analytics} {
		if db != nil {
			db.Close()
		}
	}
}

// simulationState is a simulation's row as the checks see it.
type simulationState struct {
	status, reason string
	attempts       int
}

// states reads the simulations' statuses; a database that is briefly
// unreachable (a restart) is retried.
func (d *databases) states(ctx context.Context, ids []string) (map[string]simulationState, error) {
	out := map[string]simulationState{}
	err := retry(ctx, func() error {
		rows, err := d.simulations.QueryContext(ctx,
			`SELECT id::text, status, coalesce(error, ''), attempts FROM simulations WHERE id::text = ANY($1)`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var s simulationState
			if err := rows.Scan(&id, &s.status, &s.reason, &s.attempts); err != nil {
				return err
			}
			out[id] = s
		}
		return rows.Err()
	})
	return out, err
}

// countBy runs a query returning (simulation id, count) rows.
func countBy(ctx context.Context, db *sql.DB, query string, ids []string) (map[string]int, error) {
	out := map[string]int{}
	err := retry(ctx, func() error {
		rows, err := db.QueryContext(ctx, query, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
		}
		return rows.Err()
	})
	return out, err
}

// outboxEvent is one event a simulation's changes wrote to the outbox.
type outboxEvent struct {
	id, typ, subject string
	published        bool
}

func (d *databases) outbox(ctx context.Context, ids []string) ([]outboxEvent, error) {
	var out []outboxEvent
	err := retry(ctx, func() error {
		out = out[:0]
		rows, err := d.simulations.QueryContext(ctx,
			`SELECT id::text, type, subject_id, published_at IS NOT NULL FROM outbox WHERE subject_id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e outboxEvent
			if err := rows.Scan(&e.id, &e.typ, &e.subject, &e.published); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// verdict checks what must hold once every simulation has ended:
//   - each ended COMPLETED or FAILED, a FAILED one with its reason;
//   - a COMPLETED one has exactly one result set (a row per output, each
//     position once) and exactly one usage record; a FAILED one neither;
//   - every event its changes wrote to the outbox was published and
//     reached the consumers (analytics records a simulation's start and
//     end, billing its completion).
//
// Consumers apply events asynchronously, so the event checks are retried
// until settle has passed. It returns the problems found, none when all
// hold.
func (d *databases) verdict(ctx context.Context, ids []string, outputs int, settle time.Duration) ([]string, error) {
	states, err := d.states(ctx, ids)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, id := range ids {
		s, ok := states[id]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: no simulation row", short(id)))
		case s.status == "FAILED" && strings.TrimSpace(s.reason) == "":
			problems = append(problems, fmt.Sprintf("%s: FAILED without a reason", short(id)))
		case s.status != "COMPLETED" && s.status != "FAILED":
			problems = append(problems, fmt.Sprintf("%s: ended %s", short(id), s.status))
		}
	}
	deadline := time.Now().Add(settle)
	for {
		later, err := d.settled(ctx, ids, states, outputs)
		if err != nil {
			return nil, err
		}
		if len(later) == 0 || time.Now().After(deadline) {
			return append(problems, later...), nil
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// settled checks results, billing and events against the simulations'
// final states.
func (d *databases) settled(ctx context.Context, ids []string, states map[string]simulationState, outputs int) ([]string, error) {
	results, err := countBy(ctx, d.results,
		`SELECT simulation_id::text, count(*) FROM results WHERE simulation_id::text = ANY($1) GROUP BY 1`, ids)
	if err != nil {
		return nil, err
	}
	positions, err := countBy(ctx, d.results,
		`SELECT simulation_id::text, count(DISTINCT position) FROM results WHERE simulation_id::text = ANY($1) GROUP BY 1`, ids)
	if err != nil {
		return nil, err
	}
	usage, err := countBy(ctx, d.billing,
		`SELECT simulation_id, count(*) FROM usage_records WHERE simulation_id = ANY($1) GROUP BY 1`, ids)
	if err != nil {
		return nil, err
	}
	events, err := d.outbox(ctx, ids)
	if err != nil {
		return nil, err
	}
	eventIDs := make([]string, len(events))
	for i, e := range events {
		eventIDs[i] = e.id
	}
	recorded, err := countBy(ctx, d.analytics,
		`SELECT event_id::text, count(*) FROM analytics_events WHERE event_id::text = ANY($1) GROUP BY 1`, eventIDs)
	if err != nil {
		return nil, err
	}
	billed, err := countBy(ctx, d.billing,
		`SELECT event_id::text, count(*) FROM processed_events WHERE consumer = 'billing' AND event_id::text = ANY($1) GROUP BY 1`, eventIDs)
	if err != nil {
		return nil, err
	}

	var problems []string
	completions := map[string]int{}
	for _, e := range events {
		if e.typ == "simulation.completed" {
			completions[e.subject]++
		}
		switch {
		case !e.published:
			problems = append(problems, fmt.Sprintf("%s: %s event never published", short(e.subject), e.typ))
		case slices.Contains(serverevents.AnalyticsTypes, e.typ) && recorded[e.id] != 1:
			problems = append(problems, fmt.Sprintf("%s: %s event recorded %d times by analytics", short(e.subject), e.typ, recorded[e.id]))
		}
		if e.typ == "simulation.completed" && billed[e.id] != 1 {
			problems = append(problems, fmt.Sprintf("%s: completion processed %d times by billing", short(e.subject), billed[e.id]))
		}
	}
	for _, id := range ids {
		want := 0
		if states[id].status == "COMPLETED" {
			want = 1
		}
		if results[id] != want*outputs || positions[id] != want*outputs {
			problems = append(problems, fmt.Sprintf("%s (%s): %d result rows over %d positions, want %d", short(id), states[id].status, results[id], positions[id], want*outputs))
		}
		if usage[id] != want {
			problems = append(problems, fmt.Sprintf("%s (%s): %d usage records, want %d", short(id), states[id].status, usage[id], want))
		}
		if completions[id] != want {
			problems = append(problems, fmt.Sprintf("%s (%s): %d completion events, want %d", short(id), states[id].status, completions[id], want))
		}
	}
	return problems, nil
}

// retry runs f until it succeeds or 30 s have passed: the checks run
// while PostgreSQL may be coming back from a restart.
func retry(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// unpublished counts outbox events not yet published.
func (d *databases) unpublished(ctx context.Context) (int, error) {
	var n int
	err := retry(ctx, func() error {
		return d.simulations.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&n)
	})
	return n, err
}

// tamper breaks, for one completed simulation, two things the verdict
// guards: it bills the simulation a second time and loses its start event
// from analytics.
func (d *databases) tamper(ctx context.Context, id string) error {
	if _, err := d.billing.ExecContext(ctx, `INSERT INTO usage_records
		(id, event_id, tenant_id, organization_id, user_id, simulation_id, iterations, compute_seconds, recorded_at)
		SELECT gen_random_uuid(), gen_random_uuid(), tenant_id, organization_id, user_id, simulation_id, iterations, compute_seconds, recorded_at
		FROM usage_records WHERE simulation_id = $1 LIMIT 1`, id); err != nil {
		return err
	}
	_, err := d.analytics.ExecContext(ctx, `DELETE FROM analytics_events WHERE subject_id = $1 AND type = 'simulation.started'`, id)
	return err
}

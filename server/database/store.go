package database

import (
	"context"
	"errors"
	"fmt"
)

// Store holds every service database.
type Store struct {
	conns map[string]*Conn
	order []*Conn
}

// Open opens and migrates all six service databases.
func Open(ctx context.Context, o Options) (*Store, error) {
	s := &Store{conns: map[string]*Conn{}}
	for _, spec := range Specs {
		c, err := OpenService(ctx, o, spec)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.conns[spec.Name] = c
		s.order = append(s.order, c)
	}
	return s, nil
}

// Migrate migrates every service database.
func (s *Store) Migrate(ctx context.Context) error {
	for _, c := range s.order {
		if err := c.Migrate(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Service returns the named service's database; it panics on an unknown
// name, which is a programming error.
func (s *Store) Service(name string) *Conn {
	c, ok := s.conns[name]
	if !ok {
		panic(fmt.Sprintf("database: unknown service %q", name))
	}
	return c
}

// All returns the service databases in DESIGN.md's order.
func (s *Store) All() []*Conn { return s.order }

// Ping checks every service database and returns the failures joined.
func (s *Store) Ping(ctx context.Context) error {
	var errs []error
	for _, c := range s.order {
		if err := c.Ping(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Spec.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Close closes every database.
func (s *Store) Close() error {
	var errs []error
	for _, c := range s.order {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

package kpistore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/sql"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
)

// HealthRecordHook keeps the precomputed data exact across HealthRecord
// mutations of every kind (create, bulk create and upsert, update, delete,
// one or many).
func HealthRecordHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		hm, ok := m.(*gen.HealthRecordMutation)
		if !ok || skipped(ctx) {
			return next.Mutate(ctx, m)
		}
		return maintain(ctx, hm, m, next, func(ctx context.Context, r runner, p *pending, after bool) error {
			if hm.Op().Is(ent.OpCreate) {
				if !after {
					return nil
				}
				child, _ := hm.ChildID()
				kind, _ := hm.Kind()
				day, _ := hm.Date()
				session, _ := hm.Session()
				p.health(child, string(kind), string(session), day)
				return nil
			}
			ids, err := idsOf(ctx, hm, after)
			if err != nil {
				return err
			}
			return chunk(ids, 500, func(ids []int) error {
				return r.query(ctx, `SELECT child_id, kind, COALESCE(session, ''), date FROM health_records WHERE id IN (`+ints(ids)+`)`, nil, func(rows *entsql.Rows) error {
					var (
						child         int
						kind, session string
						day           time.Time
					)
					if err := rows.Scan(&child, &kind, &session, &day); err != nil {
						return err
					}
					p.health(child, kind, session, day)
					return nil
				})
			})
		})
	})
}

// EnrolmentHook keeps the precomputed data exact across Enrolment
// mutations: the child's morning checks count for the institution of the
// care enrolment active on their day.
func EnrolmentHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		em, ok := m.(*gen.EnrolmentMutation)
		if !ok || skipped(ctx) {
			return next.Mutate(ctx, m)
		}
		return maintain(ctx, em, m, next, func(ctx context.Context, r runner, p *pending, after bool) error {
			if em.Op().Is(ent.OpCreate) {
				if after {
					child, _ := em.ChildID()
					p.enrolled[child] = true
				}
				return nil
			}
			ids, err := idsOf(ctx, em, after)
			if err != nil {
				return err
			}
			return chunk(ids, 500, func(ids []int) error {
				return r.query(ctx, `SELECT child_id, institution_id, service_mode, start_date, end_date FROM enrolments WHERE id IN (`+ints(ids)+`)`, nil, func(rows *entsql.Rows) error {
					var (
						child, inst int
						mode        string
						start       time.Time
						end         entsql.NullTime
					)
					if err := rows.Scan(&child, &inst, &mode, &start, &end); err != nil {
						return err
					}
					p.enrolled[child] = true
					if !after && (mode == "FULL_DAY" || mode == "HALF_DAY") {
						s := span{inst: inst, start: dateOf(start)}
						if end.Valid {
							s.end = dateOf(end.Time)
						}
						p.oldSpans[child] = append(p.oldSpans[child], s)
					}
					return nil
				})
			})
		})
	})
}

// health notes a health record's version.
func (p *pending) health(child int, kind, session string, day time.Time) {
	switch {
	case kind == "DAILY_CHECK" && session == "MORNING":
		p.checkDay(child, day)
	case kind == "ENTRY_EXAM":
		p.exams[child] = true
	case kind == "DEV_SCREENING":
		p.screened[child] = true
	}
}

// idMutation is what idsOf needs of a generated mutation.
type idMutation interface {
	IDs(context.Context) ([]int, error)
	ID() (int, bool)
	Op() ent.Op
}

// idsOf lists the rows a non-create mutation touches. The IDs are taken
// before the mutation (after a delete they are gone; an update may change
// the fields its predicates select on) and remembered for the after pass.
func idsOf(ctx context.Context, m idMutation, after bool) ([]int, error) {
	st := stateOf(ctx)
	if after && st != nil {
		return st.ids, nil
	}
	ids, err := m.IDs(privacy.DecisionContext(ctx, privacy.Allow))
	if err != nil {
		return nil, err
	}
	if st != nil {
		st.ids = ids
	}
	return ids, nil
}

type stateKey struct{}

type mutationState struct{ ids []int }

func stateOf(ctx context.Context) *mutationState {
	s, _ := ctx.Value(stateKey{}).(*mutationState)
	return s
}

// txMutation is what maintain needs of a generated mutation.
type txMutation interface {
	Tx() (*gen.Tx, error)
	Client() *gen.Client
}

// maintain runs note before and after the mutation (after only if it
// succeeded) and arranges the flush: before the commit of the mutation's
// transaction, or right away in a transaction of its own.
func maintain(ctx context.Context, tm txMutation, m ent.Mutation, next ent.Mutator, note func(context.Context, runner, *pending, bool) error) (ent.Value, error) {
	ctx = context.WithValue(ctx, stateKey{}, &mutationState{})
	// The mutation's client runs statements where the mutation does: on its
	// transaction's connection when it is in one.
	r := runner{drv: clientConn{tm.Client()}}
	tx, txErr := tm.Tx()
	var p *pending
	if txErr == nil {
		r.dialect = tx.Dialect()
		p = pendingOf(tx)
	} else {
		// Outside a transaction the dialect is learnt when the flush opens
		// its own; the notes' statements have no parameters to rewrite.
		p = newPending()
	}
	if err := note(ctx, r, p, false); err != nil {
		return nil, fmt.Errorf("kpistore: before %s: %w", m.Op(), err)
	}
	v, err := next.Mutate(ctx, m)
	if err != nil {
		return v, err
	}
	if err := note(ctx, r, p, true); err != nil {
		return nil, fmt.Errorf("kpistore: after %s: %w", m.Op(), err)
	}
	if txErr == nil {
		return v, nil
	}
	// No transaction: the write is committed; recompute in one of our own.
	if err := flushAlone(ctx, tm.Client(), p); err != nil {
		return nil, err
	}
	return v, nil
}

func flushAlone(ctx context.Context, client *gen.Client, p *pending) error {
	if p.empty() {
		return nil
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("kpistore: begin: %w", err)
	}
	if err := p.flush(ctx, runner{drv: clientConn{tx.Client()}, dialect: tx.Dialect()}); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// pendingOf returns the transaction's pending set, registering the flush
// before its commit (and the cleanup after a rollback) on first use.
func pendingOf(tx *gen.Tx) *pending {
	key := tx.Key()
	mu.Lock()
	defer mu.Unlock()
	if p := byTx[key]; p != nil {
		return p
	}
	p := newPending()
	byTx[key] = p
	forget := func() {
		mu.Lock()
		delete(byTx, key)
		mu.Unlock()
	}
	tx.OnCommit(func(next gen.Committer) gen.Committer {
		return gen.CommitFunc(func(ctx context.Context, tx *gen.Tx) error {
			forget()
			if err := p.flush(ctx, runner{drv: clientConn{tx.Client()}, dialect: tx.Dialect()}); err != nil {
				// The commit does not happen: end the transaction so its
				// connection goes back to the pool.
				return errors.Join(err, tx.Rollback())
			}
			return next.Commit(ctx, tx)
		})
	})
	tx.OnRollback(func(next gen.Rollbacker) gen.Rollbacker {
		return gen.RollbackFunc(func(ctx context.Context, tx *gen.Tx) error {
			forget()
			return next.Rollback(ctx, tx)
		})
	})
	return p
}

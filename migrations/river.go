package migrations

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
)

// RiverSchemaVersion is the version of River's schema (the job queue's
// tables) that migration 6 installs: the newest of the River release in
// go.mod. A River upgrade that brings a newer schema adds a migration here.
const RiverSchemaVersion = 8

// Go returns the migrations written in Go, which goose runs in order with
// the SQL files. Migration 6 installs the job queue's tables through River's
// own migrator, so they are exactly the ones the River release expects.
// River applies each of its versions in a transaction of its own (one adds
// an enum value that the next uses, which one transaction cannot do) and
// records them in river_migration, so a run cut short resumes where it
// stopped.
func Go() []*goose.Migration {
	river := goose.NewGoMigration(6,
		&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			return migrateRiver(ctx, db, rivermigrate.DirectionUp, RiverSchemaVersion)
		}},
		&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			return migrateRiver(ctx, db, rivermigrate.DirectionDown, -1)
		}})
	river.Source = "00006_river_job_queue.go"
	return []*goose.Migration{river}
}

func migrateRiver(ctx context.Context, db *sql.DB, direction rivermigrate.Direction, target int) error {
	m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, direction, &rivermigrate.MigrateOpts{TargetVersion: target}); err != nil {
		return fmt.Errorf("river schema %s: %w", direction, err)
	}
	return nil
}

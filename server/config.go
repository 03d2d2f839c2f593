package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/tuoyu/tuoyu/internal/db"
)

// config is the configuration shared by every command.
type config struct {
	DB       db.Config
	Timezone string
	PIIKey   string // hex; empty = generated per database
}

// bindCommon registers the flags every command takes. Each flag defaults to
// its environment variable when that is set.
func bindCommon(fs *flag.FlagSet) *config {
	c := &config{DB: db.Defaults()}
	fs.StringVar(&c.DB.URL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL postgres://...; empty uses SQLite (env DATABASE_URL)")
	fs.StringVar(&c.DB.SQLitePath, "db", env("TUOYU_SQLITE_PATH", c.DB.SQLitePath), "SQLite database file when no DATABASE_URL is set (env TUOYU_SQLITE_PATH)")
	fs.IntVar(&c.DB.MaxOpenConns, "db-max-conns", envInt("TUOYU_DB_MAX_CONNS", c.DB.MaxOpenConns), "PostgreSQL connection pool size (env TUOYU_DB_MAX_CONNS)")
	fs.DurationVar(&c.DB.StatementTimeout, "statement-timeout", envDuration("TUOYU_STATEMENT_TIMEOUT", c.DB.StatementTimeout), "PostgreSQL statement_timeout (env TUOYU_STATEMENT_TIMEOUT)")
	fs.StringVar(&c.Timezone, "timezone", env("TUOYU_TIMEZONE", "Asia/Shanghai"), "time zone of calendar dates such as today (env TUOYU_TIMEZONE)")
	fs.StringVar(&c.PIIKey, "pii-key", env("TUOYU_PII_KEY", ""), "hex key for hashing ID-card numbers; empty = generated and kept in the database (env TUOYU_PII_KEY)")
	return c
}

func (c *config) location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", c.Timezone)
	}
	return loc, nil
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envBool(key string, def bool) bool {
	if v, err := strconv.ParseBool(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return v
	}
	return def
}
